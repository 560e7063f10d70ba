import assert from 'node:assert/strict'
import { test } from 'node:test'
import { countTemplateParameters } from '../src/index.ts'
import { startClient, startSim } from './helpers.ts'

const PNID = '106540352242922'
const WABA = '102290129340398'

test('listTemplates follows every page and returns name, language, status, category and components', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { wabaId: WABA, token: 'tk' } } })
  for (let i = 0; i < 7; i++) sim.addTemplate({ wabaId: WABA, name: `notice_${i}`, language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: `Notice {{1}} #${i}` }] })
  const client = startClient(t, { baseUrl: sim.url })
  const all = await client.listTemplates(WABA, 'tk', { pageSize: 3 })
  assert.ok(all.ok, JSON.stringify(all))
  assert.equal(all.templates.length, 12, '7 own and the 5 of the default catalogue, over 4 pages')
  const promo = all.templates.find((x) => x.name === 'seasonal_promotion' && x.language === 'en_US')
  assert.ok(promo)
  assert.deepEqual([promo.status, promo.category, promo.components.map((c) => c.type)], ['APPROVED', 'MARKETING', ['HEADER', 'BODY', 'FOOTER', 'BUTTONS']])
  assert.deepEqual(countTemplateParameters(promo), { header: 1, body: 3, buttons: {} })
  assert.match(promo.id, /^\d+$/)

  const byName = await client.listTemplates(WABA, 'tk', { name: 'seasonal_promotion' })
  assert.deepEqual(byName.ok && byName.templates.map((x) => x.language), ['en_US', 'it'])
  const notice = await client.listTemplates(WABA, 'tk', { name: 'notice_1' })
  assert.deepEqual(notice.ok && notice.templates.map((x) => x.name), ['notice_1'], 'the sim matches names by substring; the client keeps the exact one')
  const italian = await client.listTemplates(WABA, 'tk', { name: 'seasonal_promotion', language: 'it' })
  assert.deepEqual(italian.ok && italian.templates.map((x) => x.language), ['it'])
  const marketing = await client.listTemplates(WABA, 'tk', { category: 'MARKETING', status: 'APPROVED' })
  assert.deepEqual(marketing.ok && marketing.templates.map((x) => x.name), ['seasonal_promotion', 'seasonal_promotion'])
  const refused = await client.listTemplates(WABA, 'wrong')
  assert.deepEqual(!refused.ok && [refused.error.code, refused.error.class], [190, 'retry_later'])
})

test('messagingLimit reads the portfolio tier on a phone number and on its WABA', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { wabaId: WABA } }, messagingTiers: { 103290129340398: 'TIER_2K' } })
  const client = startClient(t, { baseUrl: sim.url })
  const limit = await client.messagingLimit(PNID, 'tk')
  assert.ok(limit.ok, JSON.stringify(limit))
  assert.deepEqual([limit.id, limit.tier, limit.limit, limit.raw], [PNID, 'TIER_2K', 2000, 'TIER_2K'])
  sim.setMessagingTier('103290129340398', 'TIER_UNLIMITED')
  const waba = await client.messagingLimit(WABA, 'tk')
  assert.deepEqual(waba.ok && [waba.id, waba.tier, waba.limit], [WABA, 'TIER_UNLIMITED', null])
  const other = await client.messagingLimit('555', 'tk')
  assert.deepEqual(other.ok && [other.tier, other.limit], ['TIER_UNLIMITED', null], 'unconfigured numbers: the default tier')
})
