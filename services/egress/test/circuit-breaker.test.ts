import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { Kafka } from 'kafkajs'
import { ensureTopics, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, type EgressControl } from '@wabridge/schemas'
import { controlTopic } from '../src/app.ts'
import { codec, collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

/** The alerts topic, so a collector can subscribe before egress creates it. */
async function prepareAlerts (kafka: Kafka, prefix: string): Promise<void> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, { prefix, partitions: 1, replicationFactor: 1, only: ['alerts'] })
  } finally {
    await admin.disconnect()
  }
}

const A = '7100000001'
const B = '7100000002'
const C = '7100000003'

/** Request ids in the order the sim accepted them, for one number. */
const acceptedIds = (sim: Awaited<ReturnType<typeof startSim>>, phoneNumberId: string) =>
  sim.accepted({ phoneNumberId }).map((m) => m.bizOpaqueCallbackData)

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`)

async function resume (kafka: Kafka, prefix: string, target: string): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    const command: EgressControl = { command_id: randomUUID(), command: 'resume', target, requested_at: Date.now(), requested_by: 'test' }
    await producer.send({
      topic: controlTopic(prefix),
      messages: [{ key: target, value: codec.encode('EgressControl', command), headers: toKafkaHeaders({ eventId: command.command_id, contentType: contentTypeFor('EgressControl') }) }]
    })
  } finally {
    await producer.disconnect()
  }
}

test('an expired token (190) opens its number\'s breaker: nothing failed, the other number goes on; a passing probe sends the backlog once, in order, and resolves the alert', { timeout: 120_000 }, async (t) => {
  const prefix = `brk-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { defaultMps: 1000, phoneNumbers: { [A]: { token: 'token-a' } } })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  await prepareAlerts(kafka, prefix)
  const topics = topicNames(prefix)
  const results = await collect(t, kafka, topics.outboundResults, 'OutboundResult')
  const dead = await collect(t, kafka, topics.outboundDlq, 'DeadLetter')
  const alerts = await collect(t, kafka, topics.alerts, 'Alert')
  const faultId = sim.addFault({ match: { phoneNumberId: A }, action: { type: 'error', code: 190 } })
  const egress = await startEgress(t, testEnv(prefix, sim.url, {
    KAFKA_TOPIC_PARTITIONS: '1',
    WA_ACCESS_TOKENS: `${A}=token-a`,
    EGRESS_DEFAULT_MPS: '500',
    EGRESS_BREAKER_PROBE_BASE_MS: '300',
    EGRESS_BREAKER_PROBE_MAX_MS: '1000'
  }))
  const producer = await requestProducer(t, kafka)
  const aIds = ids('a', 30)
  const bIds = ids('b', 20)
  await produceRequests(producer, prefix, [
    ...aIds.map((id) => textRequest(A, '+15551110001', id)),
    ...bIds.map((id) => textRequest(B, '+15552220002', id))
  ])

  await waitFor(() => results.filter((r) => r.phone_number_id === B && r.status === 'accepted').length === bIds.length, 60_000, 'B sends while A is stopped')
  await waitFor(() => alerts.some((a) => a.state === 'firing'), 30_000, 'a firing alert')
  const firing = alerts.find((a) => a.state === 'firing')!
  assert.equal(firing.name, 'circuit_breaker_open')
  assert.equal(firing.scope, `token:${egress.breakers!.list()[0]!.target}`)
  assert.equal(firing.value, 190)
  const stateA = egress.numberStates().find((s) => s.phone_number_id === A)
  assert.ok(stateA && stateA.state !== 'sending', `A is stopped: ${JSON.stringify(stateA)}`)
  assert.equal(stateA.breaker_code, 190)
  assert.equal(egress.numberStates().find((s) => s.phone_number_id === B)?.state, 'sending')
  // Probes keep failing while the token is bad: still nothing failed or dead-lettered.
  await waitFor(() => sim.refused().filter((r) => r.phoneNumberId === A).length >= 3, 30_000, 'probes')
  assert.equal(results.filter((r) => r.phone_number_id === A).length, 0)
  assert.equal(dead.length, 0)
  assert.deepEqual(acceptedIds(sim, A), [])

  // The token works again: the next probe passes and the backlog goes, each once, in order.
  sim.removeFault(faultId)
  await waitFor(() => results.filter((r) => r.phone_number_id === A).length === aIds.length, 60_000, () => `A's results (${results.filter((r) => r.phone_number_id === A).length})`)
  assert.ok(results.every((r) => r.status === 'accepted'))
  assert.deepEqual(acceptedIds(sim, A), aIds)
  assert.deepEqual(sim.duplicates(), [])
  await waitFor(() => alerts.some((a) => a.state === 'resolved'), 30_000, 'the resolved alert')
  const resolved = alerts.find((a) => a.state === 'resolved')!
  assert.equal(resolved.alert_id, firing.alert_id)
  assert.equal(resolved.labels.resolved_by, 'probe')
  assert.equal(dead.length, 0)
  assert.equal(egress.numberStates().find((s) => s.phone_number_id === A)?.state, 'sending')
})

test('a large backlog behind an open breaker does not stall another number of its partition; `numbers resume` sends it at once, each once and in order', { timeout: 150_000 }, async (t) => {
  const prefix = `brk-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { defaultMps: 1000 })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const topics = topicNames(prefix)
  const results = await collect(t, kafka, topics.outboundResults, 'OutboundResult')
  const dead = await collect(t, kafka, topics.outboundDlq, 'DeadLetter')
  sim.addFault({ match: { phoneNumberId: A }, action: { type: 'error', code: 131031 } })
  const egress = await startEgress(t, testEnv(prefix, sim.url, {
    KAFKA_TOPIC_PARTITIONS: '1',
    EGRESS_DEFAULT_MPS: '500',
    EGRESS_MAX_BUFFERED_PER_PARTITION: '40',
    // Probes wait for ten minutes: only the operator's resume can close it in this test.
    EGRESS_BREAKER_PROBE_BASE_MS: '600000',
    EGRESS_BREAKER_PROBE_MAX_MS: '600000'
  }))
  const producer = await requestProducer(t, kafka)
  const aIds = ids('a', 400)
  const bIds = ids('b', 60)
  await produceRequests(producer, prefix, aIds.map((id) => textRequest(A, '+15551110001', id)))
  await produceRequests(producer, prefix, bIds.map((id) => textRequest(B, '+15552220002', id)))

  await waitFor(() => results.filter((r) => r.phone_number_id === B).length === bIds.length, 60_000, () => `B's results behind A's backlog (${results.filter((r) => r.phone_number_id === B).length})`)
  assert.ok(results.every((r) => r.status === 'accepted'))
  assert.equal(results.filter((r) => r.phone_number_id === A).length, 0)
  const stateA = egress.numberStates().find((s) => s.phone_number_id === A)!
  assert.equal(stateA.state, 'open')
  assert.equal(stateA.breaker_code, 131031)
  assert.ok(stateA.backlog > 0)

  sim.clearFaults()
  await resume(kafka, prefix, A)
  await waitFor(() => results.filter((r) => r.phone_number_id === A).length === aIds.length, 90_000, () => `A's results after resume (${results.filter((r) => r.phone_number_id === A).length})`)
  assert.ok(results.every((r) => r.status === 'accepted'))
  assert.deepEqual(acceptedIds(sim, A), aIds)
  assert.deepEqual(sim.duplicates(), [])
  assert.equal(dead.length, 0)
})

test('a WABA-wide error (131042) stops every number of that WABA and no other; they resume when a probe passes', { timeout: 120_000 }, async (t) => {
  const prefix = `brk-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { defaultMps: 1000, phoneNumbers: { [A]: { wabaId: 'W1' }, [C]: { wabaId: 'W1' }, [B]: { wabaId: 'W2' } } })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  const topics = topicNames(prefix)
  const results = await collect(t, kafka, topics.outboundResults, 'OutboundResult')
  const dead = await collect(t, kafka, topics.outboundDlq, 'DeadLetter')
  const faultId = sim.addFault({ match: { wabaId: 'W1' }, action: { type: 'error', code: 131042 } })
  const egress = await startEgress(t, testEnv(prefix, sim.url, {
    WA_PHONE_WABAS: `${A}=W1,${C}=W1,${B}=W2`,
    EGRESS_DEFAULT_MPS: '500',
    EGRESS_BREAKER_PROBE_BASE_MS: '300',
    EGRESS_BREAKER_PROBE_MAX_MS: '1000'
  }))
  const producer = await requestProducer(t, kafka)
  const aIds = ids('a', 10)
  const cIds = ids('c', 10)
  const bIds = ids('b', 10)
  await produceRequests(producer, prefix, aIds.map((id) => textRequest(A, '+15551110001', id)))
  await waitFor(() => egress.breakers!.list().length > 0, 30_000, 'the WABA breaker')
  await produceRequests(producer, prefix, [...cIds.map((id) => textRequest(C, '+15553330003', id)), ...bIds.map((id) => textRequest(B, '+15552220002', id))])
  await waitFor(() => results.filter((r) => r.phone_number_id === B).length === bIds.length, 60_000, 'B (another WABA) sends')
  const breaker = egress.breakers!.list()[0]!
  assert.equal(breaker.key, 'waba:W1')
  assert.equal(results.filter((r) => r.phone_number_id !== B).length, 0)
  // C never had a send of its own refused: the WABA's breaker held it back.
  assert.equal(sim.refused().filter((r) => r.phoneNumberId === C).length <= 1, true)
  await waitFor(() => egress.numberStates().filter((s) => s.phone_number_id === A || s.phone_number_id === C).every((s) => s.state !== 'sending' && s.breaker_scope === 'waba'), 30_000, 'A and C stopped by the WABA breaker')

  sim.removeFault(faultId)
  await waitFor(() => results.length === aIds.length + bIds.length + cIds.length, 60_000, () => `every result (${results.length}); missing ${[...aIds, ...bIds, ...cIds].filter((id) => !results.some((r) => r.request_id === id)).join(',')}; states ${JSON.stringify(egress.numberStates())}; breakers ${JSON.stringify(egress.breakers!.list())}; accepted C ${JSON.stringify(acceptedIds(sim, C))}; refused ${JSON.stringify(sim.refused().map((r) => [r.phoneNumberId, r.code]))}`)
  assert.ok(results.every((r) => r.status === 'accepted'))
  assert.deepEqual(acceptedIds(sim, A), aIds)
  assert.deepEqual(acceptedIds(sim, C), cIds)
  assert.deepEqual(sim.duplicates(), [])
  assert.equal(dead.length, 0)
})
