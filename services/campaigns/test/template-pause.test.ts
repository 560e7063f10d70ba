import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient, createProducer } from '@wabridge/kafka'
import { readAll } from '@wabridge/kafka/testing'
import { createCodec, templateKey, type CampaignCommand, type TemplateEntry } from '@wabridge/schemas'
import { api, brokersFromEnv, numbers, PHONE, startApp, TEMPLATE, testEnv, waitFor } from './helpers.ts'

const WABA = '102290129340398'

function entry (name: string, status: string, at: number): TemplateEntry {
  return {
    waba_id: WABA,
    name,
    language: 'en_US',
    template_id: null,
    status,
    category: 'MARKETING',
    sub_category: null,
    parameter_format: null,
    components_json: null,
    quality_score: null,
    reason: status === 'PAUSED' ? 'FIRST_PAUSE' : null,
    status_changed_at: at,
    synced_at: null,
    source: 'message_template_status_update',
    updated_at: at
  }
}

test('a template that becomes PAUSED pauses the running campaigns that use it (with the reason), only those, and they stay paused when it is APPROVED again', { timeout: 120_000 }, async (t) => {
  const env = testEnv({ WA_PHONE_WABAS: `${PHONE}=${WABA}` })
  // The pacing clock never moves: nothing is released, the campaigns stay running.
  const app = await startApp(t, env, { reach: null, monotonic: () => 0 })
  const create = async (template: unknown) => {
    const created = await api(app, 'POST', '/v1/campaigns', { name: 'tp', phone_number_id: PHONE, template, recipients: numbers(3).map((to) => ({ to, name: 'x' })) })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal((await api(app, 'POST', `/v1/campaigns/${created.body.id as string}/start`)).status, 200)
    return created.body.id as string
  }
  const get = async (id: string) => (await api(app, 'GET', `/v1/campaigns/${id}`)).body
  const uses = await create(TEMPLATE)
  const other = await create({ ...TEMPLATE, name: 'other_template' })
  assert.equal((await get(uses)).state, 'running')

  // The catalogue's record as the conversations service writes it (wa.templates, key templateKey).
  const topic = `${env.TOPIC_PREFIX!}.templates`
  const codec = createCodec()
  const producer = createProducer(createKafkaClient({ brokers: [brokersFromEnv()], clientId: 'template-writer' }), { lingerMs: 0 })
  await producer.start()
  t.after(() => producer.stop())
  const write = async (e: TemplateEntry) => await producer.send([{ topic, key: templateKey(e.waba_id, e.name, e.language), value: codec.encode('TemplateEntry', e) }])

  await write(entry(TEMPLATE.name, 'PAUSED', Date.now()))
  await waitFor('the campaign using the template paused', async () => (await get(uses)).state === 'paused' || undefined, 60_000)
  assert.equal((await get(other)).state, 'running')
  // The campaign's own pause command, with a reason naming the template.
  const kafka = createKafkaClient({ brokers: [brokersFromEnv()], clientId: 'commands-reader' })
  const commands = (await readAll(kafka, `${env.TOPIC_PREFIX!}.campaigns.commands`, 5, 30_000)).map((r) => codec.decode(r.value!, 'CampaignCommand').value as CampaignCommand)
  const pause = commands.find((c) => c.command === 'pause' && c.campaign_id === uses)
  assert.ok(pause, JSON.stringify(commands))
  assert.match(JSON.parse(pause.payload_json!).reason as string, /template reminder \(en_US\) of WABA 102290129340398 is PAUSED \(FIRST_PAUSE\)/)

  // APPROVED again: nothing resumes it. The other template's pause, written after, shows the approval was read.
  await write(entry(TEMPLATE.name, 'APPROVED', Date.now()))
  await write(entry('other_template', 'DISABLED', Date.now()))
  await waitFor('the other campaign paused', async () => (await get(other)).state === 'paused' || undefined, 60_000)
  assert.equal((await get(uses)).state, 'paused')

  // An operator resumes it (its template is approved): it runs, and is not paused again.
  assert.equal((await api(app, 'POST', `/v1/campaigns/${uses}/resume`)).status, 200)
  assert.equal((await get(uses)).state, 'running')
  // The other one, resumed while its template is still DISABLED, is paused again: every send would fail.
  assert.equal((await api(app, 'POST', `/v1/campaigns/${other}/resume`)).status, 200)
  await waitFor('the other campaign paused again', async () => (await get(other)).state === 'paused' || undefined, 60_000)
  assert.equal((await get(uses)).state, 'running')
})
