import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadSimConfig, toSimOptions } from '../src/env.ts'
import type { SimTemplateInput } from '../src/index.ts'
import { post, startReceiver, startSim } from './helpers.ts'

const PNID = '106540352242922'
const WABA = 'W1'

async function getJson (url: string, token = 'tok'): Promise<{ status: number, body: any }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
  return { status: res.status, body: await res.json() }
}

test('GET /{waba-id}/message_templates lists the catalogue with Meta\'s default fields, fields=, filters and cursor paging', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { wabaId: WABA } } })
  const base = `${sim.url}/v23.0/${WABA}/message_templates`
  const all = await getJson(base)
  assert.equal(all.status, 200)
  assert.deepEqual(all.body.data.map((d: { name: string, language: string }) => `${d.name}/${d.language}`), [
    'appointment_reminder/en_US', 'hello_world/en_US', 'seasonal_promotion/en_US', 'seasonal_promotion/it', 'verification_code/en_US'
  ])
  const promo = all.body.data[2]
  assert.deepEqual(Object.keys(promo).sort(), ['category', 'components', 'id', 'language', 'name', 'parameter_format', 'status'])
  assert.deepEqual([promo.category, promo.status, promo.parameter_format], ['MARKETING', 'APPROVED', 'POSITIONAL'])
  assert.equal(promo.components[1].text, 'Shop now through {{1}} and use code {{2}} to get {{3}} off all merchandise.')
  assert.equal(all.body.paging.next, undefined, 'one page')

  const few = await getJson(`${base}?fields=name,category&name=promo`)
  assert.deepEqual(few.body.data, [
    { name: 'seasonal_promotion', category: 'MARKETING', id: promo.id },
    { name: 'seasonal_promotion', category: 'MARKETING', id: few.body.data[1].id }
  ])
  assert.deepEqual((await getJson(`${base}?category=UTILITY&fields=name`)).body.data.map((d: { name: string }) => d.name), ['appointment_reminder', 'hello_world'])
  assert.deepEqual((await getJson(`${base}?language=it&fields=name`)).body.data.map((d: { name: string }) => d.name), ['seasonal_promotion'])

  // Two per page: follow `after` to the end, then go back with `before`.
  const names: string[] = []
  let url: string | undefined = `${base}?limit=2&fields=name`
  let pages = 0
  let last: any
  while (url !== undefined) {
    last = (await getJson(url)).body
    names.push(...last.data.map((d: { name: string }) => d.name))
    url = last.paging?.next
    pages++
  }
  assert.equal(pages, 3)
  assert.equal(names.length, 5)
  assert.ok(last.paging.previous)
  assert.deepEqual((await getJson(last.paging.previous)).body.data.map((d: { name: string }) => d.name), ['seasonal_promotion', 'seasonal_promotion'])
  const after = await getJson(`${base}?limit=2&fields=name&after=${encodeURIComponent(last.paging.cursors.before)}`)
  assert.deepEqual(after.body.data, [], 'nothing after the last one')
  assert.equal((await getJson(`${base}?limit=0`)).status, 400)
  assert.equal((await getJson(`${base}?after=nonsense`)).status, 400)
  assert.equal((await fetch(base)).status, 401, 'a token is needed')
})

test('templates added for one WABA are listed only there and shadow a shared one; status filter; removal', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { wabaId: WABA } }, adminToken: 'admin' })
  const admin = { 'content-type': 'application/json', authorization: 'Bearer admin' }
  const add = (body: unknown) => fetch(`${sim.url}/_sim/templates`, { method: 'POST', headers: admin, body: JSON.stringify(body) })
  const own = await add({ wabaId: WABA, name: 'hello_world', language: 'en_US', category: 'MARKETING', status: 'PAUSED', components: [{ type: 'BODY', text: 'Hi {{1}}' }] })
  assert.equal(own.status, 200)
  const ownId = (await own.json() as { id: string }).id
  const many = await add({ templates: [{ wabaId: 'W2', name: 'w2_only', language: 'de', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hallo' }] }] })
  assert.equal(((await many.json()) as { templates: unknown[] }).templates.length, 1)
  assert.equal((await add({ name: 'Bad-Name', language: 'en', category: 'UTILITY', components: [] })).status, 400)
  assert.equal((await add({ name: 'x', language: 'en', category: 'PROMO', components: [] })).status, 400)

  const w1 = (await getJson(`${sim.url}/v23.0/${WABA}/message_templates?fields=name,status,category&status=PAUSED`)).body.data
  assert.deepEqual(w1, [{ name: 'hello_world', status: 'PAUSED', category: 'MARKETING', id: ownId }])
  const w2 = (await getJson(`${sim.url}/v23.0/W2/message_templates?fields=name`)).body.data.map((d: { name: string }) => d.name)
  assert.ok(w2.includes('w2_only') && w2.includes('hello_world'))
  assert.ok(!(await getJson(`${sim.url}/v23.0/${WABA}/message_templates?fields=name`)).body.data.some((d: { name: string }) => d.name === 'w2_only'))
  assert.equal((await fetch(`${sim.url}/_sim/templates?waba_id=W2`, { headers: admin }).then((r) => r.json()) as { templates: unknown[] }).templates.length, 6)
  assert.equal((await fetch(`${sim.url}/_sim/templates/${ownId}`, { method: 'DELETE', headers: { authorization: 'Bearer admin' } })).status, 200)
  assert.equal((await fetch(`${sim.url}/_sim/templates/${ownId}`, { method: 'DELETE', headers: { authorization: 'Bearer admin' } })).status, 404)
  assert.equal(sim.templates(WABA).find((x) => x.name === 'hello_world')?.status, 'APPROVED', 'the shared one is back')
})

test('a send of a catalogued template is checked: language (132001), status (132015, 132016, 132001) and parameter counts (132018, 132000 before v23)', async (t) => {
  const sim = await startSim(t, { phoneNumbers: { [PNID]: { wabaId: WABA } }, pairRate: false })
  const send = (template: Record<string, unknown>, version = 'v23.0') => post(`${sim.url}/${version}/${PNID}/messages`, { messaging_product: 'whatsapp', to: '+15557000001', type: 'template', template })
  const body = (n: number) => [{ type: 'body', parameters: Array.from({ length: n }, (_, i) => ({ type: 'text', text: `p${i}` })) }]
  assert.equal((await send({ name: 'appointment_reminder', language: { code: 'en_US' }, components: body(3) })).status, 200)
  assert.equal((await send({ name: 'appointment_reminder', language: { code: 'en-US' }, components: body(3) })).status, 200, 'en-US = en_US')
  assert.equal((await send({ name: 'appointment_reminder', language: { code: 'de' }, components: body(3) })).body.error.code, 132001)
  const wrong = await send({ name: 'appointment_reminder', language: { code: 'en_US' }, components: body(2) })
  assert.equal(wrong.body.error.code, 132018)
  assert.match(wrong.body.error.error_data.details, /\(2\).*\(3\)/)
  assert.equal((await send({ name: 'appointment_reminder', language: { code: 'en_US' }, components: body(2) }, 'v22.0')).body.error.code, 132000)
  assert.equal((await send({ name: 'seasonal_promotion', language: { code: 'it' }, components: body(3) })).body.error.code, 132018, 'the header parameter is missing')
  assert.equal((await send({ name: 'hello_world', language: { code: 'en_US' } })).status, 200)
  assert.equal((await send({ name: 'not_in_catalogue', language: { code: 'xx' }, components: body(7) })).status, 200, 'unknown templates pass unchecked')
  for (const [status, code] of [['PAUSED', 132015], ['DISABLED', 132016], ['PENDING', 132001], ['REJECTED', 132001]] as const) {
    sim.addTemplate({ wabaId: WABA, name: 'flaky', language: 'en_US', category: 'UTILITY', status, components: [] })
    assert.equal((await send({ name: 'flaky', language: { code: 'en_US' } })).body.error.code, code, status)
  }
  assert.deepEqual(sim.stats().refusedByCode, { 132000: 1, 132001: 3, 132015: 1, 132016: 1, 132018: 2 })
  assert.equal(sim.accepted().length, 4)
})

test('SIM_TEMPLATES, SIM_PORTFOLIOS and SIM_MESSAGING_TIERS configure the standalone sim', () => {
  const options = toSimOptions(loadSimConfig({
    SIM_TEMPLATES: JSON.stringify([{ name: 'promo_it', language: 'it', category: 'MARKETING', components: [{ type: 'BODY', text: 'Ciao {{1}}' }] }]),
    SIM_DEFAULT_TEMPLATES: 'false',
    SIM_PORTFOLIOS: 'W1=P1,W2=P1',
    SIM_MESSAGING_TIERS: 'P1=TIER_2K',
    SIM_DEFAULT_MESSAGING_TIER: 'TIER_250',
    SIM_MESSAGING_LIMIT_MODE: 'refuse'
  }))
  assert.deepEqual(options.templates?.map((x) => x.name), ['promo_it'])
  assert.equal(options.defaultTemplates, false)
  assert.deepEqual(options.portfolios, { W1: 'P1', W2: 'P1' })
  assert.deepEqual(options.messagingTiers, { P1: 'TIER_2K' })
  assert.deepEqual([options.defaultMessagingTier, options.messagingLimitMode, options.blockUsMarketing], ['TIER_250', 'refuse', true])
  const defaults = toSimOptions(loadSimConfig({}))
  assert.deepEqual([defaults.defaultMessagingTier, defaults.messagingLimitMode, defaults.defaultTemplates, defaults.templates], ['TIER_UNLIMITED', 'fail', true, undefined])
  assert.throws(() => loadSimConfig({ SIM_MESSAGING_TIERS: 'P1=TIER_3K' }), /SIM_MESSAGING_TIERS/)
  assert.throws(() => loadSimConfig({ SIM_TEMPLATES: '[{"name":"x"}]' }), /SIM_TEMPLATES/)
})

test('changing the status of a template sends message_template_status_update to its WABA, and sends follow the new status', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: 'sim-app-secret', webhook: { batchMs: 5 }, phoneNumbers: { [PNID]: { wabaId: WABA } }, pairRate: false })
  const promo: SimTemplateInput = { name: 'spring_sale', language: 'en_US', category: 'MARKETING', components: [{ type: 'BODY', text: 'Spring sale' }] }
  const added = sim.addTemplate({ ...promo, wabaId: WABA })
  const send = () => post(`${sim.url}/v23.0/${PNID}/messages`, { messaging_product: 'whatsapp', to: '+15557000001', type: 'template', template: { name: 'spring_sale', language: { code: 'en_US' } } })
  assert.equal((await send()).status, 200)
  sim.addTemplate({ ...promo, wabaId: WABA, status: 'PAUSED' })
  assert.equal((await send()).body.error.code, 132015)
  sim.addTemplate({ ...promo, wabaId: WABA, status: 'PAUSED' })
  sim.addTemplate({ ...promo, wabaId: WABA, status: 'APPROVED' })
  assert.equal((await send()).status, 200)
  assert.equal(await sim.webhooksIdle(5000), true)
  // The two updates may come in separate POSTs, delivered concurrently in either order: compared sorted by event.
  const updates = receiver.received.flatMap((w) => w.json.entry.flatMap((e) => e.changes.filter((c) => c.field === 'message_template_status_update').map((c) => [e.id, c.value] as const)))
    .sort(([, a], [, b]) => String(a.event).localeCompare(String(b.event)))
  assert.deepEqual(updates, [
    [WABA, { event: 'APPROVED', message_template_id: Number(added.id), message_template_name: 'spring_sale', message_template_language: 'en-US', message_template_category: 'MARKETING', reason: 'NONE', other_info: { title: 'UNPAUSE', description: 'Template spring_sale is no longer paused and can be sent again.' } }],
    [WABA, { event: 'PAUSED', message_template_id: Number(added.id), message_template_name: 'spring_sale', message_template_language: 'en-US', message_template_category: 'MARKETING', reason: 'NONE', other_info: { title: 'FIRST_PAUSE', description: 'Template spring_sale is paused for 3 hours because its quality rating is low.' } }]
  ], 'one per change; the same status again sends nothing')
})
