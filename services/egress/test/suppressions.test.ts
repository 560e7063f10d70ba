import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { Kafka } from 'kafkajs'
import { ensureTopics, topicNames } from '@wabridge/kafka'
import { suppressionKey, type Suppression } from '@wabridge/schemas'
import { suppressedError, suppressionsTopic } from '../src/suppressions.ts'
import { codec, collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

const suppression = (scope: string, waId: string, extra: Partial<Suppression> = {}): Suppression => ({
  scope, wa_id: waId, reason: 'opted_out', source: `status 131050 of wamid.${waId}`, created_at: Date.now(), expires_at: null, created_by: 'test', ...extra
})

async function writeSuppressions (kafka: Kafka, prefix: string, entries: Array<Suppression | { scope: string, waId: string, lifted: true }>): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({
      topic: suppressionsTopic(prefix),
      messages: entries.map((e) => 'lifted' in e
        ? { key: suppressionKey(e.scope, e.waId), value: null }
        : { key: suppressionKey(e.scope, e.wa_id), value: codec.encode('Suppression', e) })
    })
  } finally {
    await producer.disconnect()
  }
}

test('suppressedError: Meta\'s code for opt-outs and marketing limits, the reason and source in the message', () => {
  assert.equal(suppressedError(suppression('1', '2')).code, 131050)
  assert.equal(suppressedError(suppression('1', '2', { reason: 'marketing_limit' })).code, 131049)
  const manual = suppressedError(suppression('waba-1', '15550002002', { reason: 'manual', source: 'cli' }))
  assert.equal(manual.code, null)
  assert.equal(manual.class, 'suppressed')
  assert.match(manual.message, /15550002002.*waba-1.*manual.*cli/)
})

test('a bulk request to a suppressed recipient fails as suppressed without a Graph call or dead letter; interactive ones are sent', { timeout: 90_000 }, async (t) => {
  const prefix = `supp-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, { prefix, partitions: 1, replicationFactor: 1, only: [], extra: [{ topic: suppressionsTopic(prefix), configs: { 'cleanup.policy': 'compact' } }] })
  await admin.disconnect()
  // Written before egress starts: it reads them all before it sends anything.
  const hour = 3600_000
  await writeSuppressions(kafka, prefix, [
    suppression('9201', '15550002001'),
    suppression('9201', '15550002002', { reason: 'manual', source: 'cli' }),
    suppression('9201', '15550002003', { reason: 'marketing_limit', expires_at: Date.now() - hour }),
    suppression('9201', '15550002004', { reason: 'keyword', source: 'keyword STOP in wamid.X' }),
    { scope: '9201', waId: '15550002004', lifted: true },
    // A number without a configured WABA: its own scope.
    suppression('phone:7202', '15550002005', { reason: 'marketing_limit', expires_at: Date.now() + 24 * hour })
  ])
  const egress = await startEgress(t, testEnv(prefix, sim.url, { WA_PHONE_WABAS: '7201=9201' }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const deadLetters = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')
  const producer = await requestProducer(t, kafka)
  assert.equal(egress.suppressions.isCaughtUp, true)
  assert.equal(egress.suppressions.size, 4, 'the lifted one is gone')

  // One added while egress runs.
  await writeSuppressions(kafka, prefix, [suppression('9201', '15550002006', { reason: 'keyword', source: 'keyword ANNULLA in wamid.Y' })])
  await waitFor(() => egress.suppressions.lookup('9201', '15550002006', Date.now()) !== undefined, 20_000, 'the new suppression is read')

  const bulk = { priority: 'bulk' }
  await produceRequests(producer, prefix, [
    textRequest('7201', '+15550002001', 'bulk-opted-out', bulk),
    textRequest('7201', '15550002001', 'reply-opted-out'),
    textRequest('7201', '+15550002002', 'bulk-manual', bulk),
    textRequest('7201', '+15550002003', 'bulk-expired', bulk),
    textRequest('7201', '+15550002004', 'bulk-lifted', bulk),
    textRequest('7202', '15550002005', 'bulk-limit', bulk),
    textRequest('7201', '+15550002005', 'bulk-other-scope', bulk),
    textRequest('7201', '+15550002006', 'bulk-live', bulk),
    // Last: an invalid request, whose dead letter shows the dead letters before it were written.
    textRequest('7201', '+15550002009', 'sentinel', { message_json: '{"type":"text"}' })
  ])
  const ids = ['bulk-opted-out', 'reply-opted-out', 'bulk-manual', 'bulk-expired', 'bulk-lifted', 'bulk-limit', 'bulk-other-scope', 'bulk-live', 'sentinel']
  await waitFor(() => ids.every((id) => results.some((r) => r.request_id === id)), 30_000, () => `results ${results.map((r) => r.request_id).join(',')}`)
  const result = (id: string) => results.find((r) => r.request_id === id)!

  for (const [id, code, reason] of [['bulk-opted-out', 131050, 'opted_out'], ['bulk-manual', null, 'manual'], ['bulk-limit', 131049, 'marketing_limit'], ['bulk-live', null, 'keyword']] as const) {
    const r = result(id)
    assert.equal(r.status, 'failed', id)
    assert.equal(r.error?.class, 'suppressed', id)
    assert.equal(r.error?.code, code, id)
    assert.ok(r.error?.message.includes(reason), `${id}: ${r.error?.message}`)
    assert.equal(r.attempts, 0)
    assert.equal(sim.accepted({ bizOpaqueCallbackData: id }).length, 0, `${id} reached the Graph API`)
  }
  assert.match(result('bulk-opted-out').error!.message, /status 131050 of wamid\.15550002001/, 'the source is named')
  for (const id of ['reply-opted-out', 'bulk-expired', 'bulk-lifted', 'bulk-other-scope']) {
    assert.equal(result(id).status, 'accepted', id)
    assert.equal(sim.accepted({ bizOpaqueCallbackData: id }).length, 1, id)
  }
  assert.equal(sim.refused().length, 0)
  await waitFor(() => deadLetters.some((d) => d.request_id === 'sentinel'), 20_000, 'the sentinel\'s dead letter')
  assert.deepEqual(deadLetters.map((d) => d.request_id), ['sentinel'], 'a suppressed request has no dead letter')
})

test('a bulk request suppressed while it waits in its lane is not sent', { timeout: 90_000 }, async (t) => {
  const prefix = `supp-late-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t)
  const kafka = testKafka()
  // One message a second: the last of ten waits about nine seconds in the lane.
  const egress = await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1', EGRESS_MPS_OVERRIDES: '7203=1' }))
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, Array.from({ length: 10 }, (_, i) => textRequest('7203', `+1555000300${i}`, `wave-${i}`, { priority: 'bulk' })))
  await waitFor(() => results.length > 0, 20_000, 'the first one sent')
  await writeSuppressions(kafka, prefix, [suppression('phone:7203', '15550003009', { reason: 'manual', source: 'operator' })])
  await waitFor(() => egress.suppressions.lookup('phone:7203', '15550003009', Date.now()) !== undefined, 20_000, 'the suppression is read')
  const decidedBefore = results.some((r) => r.request_id === 'wave-9')
  await waitFor(() => results.length >= 10, 40_000, () => `ten results, have ${results.length}`)
  const last = results.find((r) => r.request_id === 'wave-9')!
  if (decidedBefore) {
    t.diagnostic('the machine was too slow: the last request was sent before the suppression was read')
    return
  }
  assert.equal(last.status, 'failed')
  assert.equal(last.error?.class, 'suppressed')
  assert.equal(sim.accepted({ bizOpaqueCallbackData: 'wave-9' }).length, 0)
  assert.equal(sim.accepted().length, 9)
})
