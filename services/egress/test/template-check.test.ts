import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import { templateKey, type OutboundRequest, type TemplateEntry } from '@wabridge/schemas'
import { attemptsTopic } from '../src/app.ts'
import { codec, collect, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

// The template check against the real catalogue view (@wabridge/conversations) reading wa.templates,
// the broker and the simulator (whose own catalogue has appointment_reminder: 3 body parameters).

const KNOWN = '1001'
const UNKNOWN_CATALOGUE = '1002'

function entry (extra: Partial<TemplateEntry> = {}): TemplateEntry {
  return {
    waba_id: 'W1',
    name: 'appointment_reminder',
    language: 'en_US',
    template_id: '9001',
    status: 'APPROVED',
    category: 'UTILITY',
    sub_category: null,
    parameter_format: 'POSITIONAL',
    components_json: JSON.stringify([{ type: 'BODY', text: 'Hi {{1}}, this is a reminder of your appointment on {{2}} at {{3}}. Reply to change it.' }]),
    quality_score: null,
    reason: null,
    status_changed_at: null,
    synced_at: Date.now(),
    source: 'sync',
    updated_at: Date.now(),
    ...extra
  }
}

const templateRequest = (phoneNumberId: string, id: string, name: string, parameters: string[]): OutboundRequest => textRequest(phoneNumberId, '+15550300001', id, {
  message_json: JSON.stringify({
    type: 'template',
    template: { name, language: { code: 'en_US' }, components: [{ type: 'body', parameters: parameters.map((text) => ({ type: 'text', text })) }] }
  })
})

test('template check: a missing parameter refused with the counts, an unknown template refused when the WABA\'s catalogue is known and sent when not, a paused one refused; none of them reaches the Graph API', async (t) => {
  const prefix = `egt-${randomUUID().slice(0, 8)}`
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, {
      prefix,
      partitions: 3,
      replicationFactor: 1,
      only: ['outboundRequests', 'outboundResults', 'outboundDlq'],
      extra: [{ topic: attemptsTopic(prefix) }, { topic: `${prefix}.templates`, partitions: 1, configs: { 'cleanup.policy': 'compact' } }]
    })
  } finally {
    await admin.disconnect()
  }
  const producer = await requestProducer(t, kafka)
  const paused = entry({ name: 'seasonal_promotion', template_id: '9002', status: 'PAUSED', category: 'MARKETING', components_json: JSON.stringify([{ type: 'BODY', text: 'Shop {{1}}' }]) })
  await producer.send([entry(), paused].map((e) => ({ topic: `${prefix}.templates`, key: templateKey(e.waba_id, e.name, e.language), value: codec.encode('TemplateEntry', e) })))
  const sim = await startSim(t)
  await startEgress(t, testEnv(prefix, sim.url, { WA_PHONE_WABAS: `${KNOWN}=W1,${UNKNOWN_CATALOGUE}=W2`, EGRESS_TEMPLATE_CHECK: 'enforce' }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const dlq = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')

  await produceRequests(producer, prefix, [
    templateRequest(KNOWN, 'complete', 'appointment_reminder', ['Ana', 'May 4', '10:30']),
    templateRequest(KNOWN, 'short', 'appointment_reminder', ['Ana', 'May 4']),
    templateRequest(KNOWN, 'unknown', 'no_such_template', []),
    templateRequest(KNOWN, 'paused', 'seasonal_promotion', ['now']),
    // W2 is in no catalogue: not checked here, Meta (the sim) decides.
    templateRequest(UNKNOWN_CATALOGUE, 'unchecked', 'no_such_template', [])
  ])
  await waitFor(() => results.length >= 5, 60_000, () => `5 results, have ${results.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.equal(byId.complete!.status, 'accepted')
  for (const id of ['short', 'unknown', 'paused']) {
    assert.equal(byId[id]!.status, 'failed', id)
    assert.equal(byId[id]!.error!.class, 'template_invalid', id)
    assert.equal(byId[id]!.attempts, 0, id)
  }
  assert.equal(byId.short!.error!.code, 132000)
  assert.match(byId.short!.error!.message, /body needs 3 parameters, got 2/)
  assert.equal(byId.unknown!.error!.code, 132001)
  assert.equal(byId.paused!.error!.code, 132015)
  // Sent: the gateway does not know W2's templates, so Meta (here the sim) decides.
  assert.equal(byId.unchecked!.attempts, 1)
  assert.notEqual(byId.unchecked!.error?.class, 'template_invalid')
  assert.deepEqual(sim.accepted().map((m) => m.bizOpaqueCallbackData).sort(), ['complete', 'unchecked'])
  assert.deepEqual(sim.refused(), [])
  await waitFor(() => dlq.length >= 3, 30_000, () => `3 dead letters, have ${dlq.length}`)
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.deepEqual(dlq.map((d) => d.request_id).sort(), ['paused', 'short', 'unknown'])
  assert.match(dlq.find((d) => d.request_id === 'short')!.reason, /template refused by the catalogue \(error 132000\)/)
})
