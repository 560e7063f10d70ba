import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import type { Kafka } from 'kafkajs'
import { toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, type InboundEvent } from '@wabridge/schemas'
import { codec, collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

const A = '7200000001'
const B = '7200000002'
const C = '7200000003'
const D = '7200000004'
const display = (id: string) => `1555${id.slice(-7)}`

/** A THROUGHPUT_UPGRADE webhook as ingress writes it to wa.inbound.events (it names the display number only). */
async function writeUpgradeEvent (kafka: Kafka, prefix: string, displayPhoneNumber: string): Promise<void> {
  const event: InboundEvent = {
    event_id: randomUUID(),
    field: 'phone_number_quality_update',
    waba_id: 'W1',
    phone_number_id: null,
    event: 'THROUGHPUT_UPGRADE',
    meta_timestamp: Date.now(),
    received_at: Date.now(),
    value_json: JSON.stringify({ display_phone_number: displayPhoneNumber, event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED', max_daily_conversations_per_business: 'TIER_UNLIMITED' })
  }
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({ topic: topicNames(prefix).inboundEvents, messages: [{ key: 'W1', value: codec.encode('InboundEvent', event), headers: toKafkaHeaders({ eventId: event.event_id, contentType: contentTypeFor('InboundEvent') }) }] })
  } finally {
    await producer.disconnect()
  }
}

test('a THROUGHPUT_UPGRADE webhook raises the number\'s rate without a restart; an override and a coexistence number keep theirs; 131057 pauses the number, then the same request goes', { timeout: 90_000 }, async (t) => {
  const prefix = `tp-${randomUUID().slice(0, 8)}`
  const phoneNumbers = Object.fromEntries([A, B, C, D].map((id) => [id, { wabaId: 'W1', displayPhoneNumber: display(id) }]))
  const sim = await startSim(t, { phoneNumbers })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const dead = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')
  const egress = await startEgress(t, testEnv(prefix, sim.url, {
    WA_PHONE_WABAS: [A, B, C, D].map((id) => `${id}=W1`).join(','),
    EGRESS_MPS_OVERRIDES: `${B}=50`,
    EGRESS_COEXISTENCE_NUMBERS: D,
    EGRESS_MAINTENANCE_PAUSE_MS: '300',
    EGRESS_THROUGHPUT_POLL_MS: '0'
  }))
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, [A, B, D].map((id) => textRequest(id, '+15550001000', `first-${id}`)))
  await waitFor(() => results.length === 3, 30_000, 'the first sends')
  const stateOf = (id: string) => egress.numberStates().find((s) => s.phone_number_id === id)
  await waitFor(() => stateOf(A)?.throughput_level === 'STANDARD', 30_000, 'the levels read at start')
  assert.deepEqual([A, B, D].map((id) => [stateOf(id)?.rate_mps, stateOf(id)?.rate_source]), [[80, 'configured'], [50, 'override'], [20, 'coexistence']])

  // Meta upgrades the numbers; the webhook names display numbers, egress maps them through what it read.
  for (const id of [A, B, D]) sim.upgradeThroughput(id, { maintenanceMs: 0 })
  for (const id of [A, B, D]) await writeUpgradeEvent(kafka, prefix, `+${display(id)}`)
  await waitFor(() => stateOf(A)?.rate_mps === 1000, 30_000, () => `A's rate after the upgrade (${JSON.stringify(stateOf(A))})`)
  assert.equal(stateOf(A)?.rate_source, 'meta')
  assert.equal(stateOf(A)?.throughput_level, 'HIGH')
  assert.equal(egress.dispatcherLane(A)?.baseRate, 1000)
  await waitFor(() => stateOf(B)?.throughput_level === 'HIGH' && stateOf(D)?.throughput_level === 'HIGH', 30_000, 'B and D read again')
  assert.deepEqual([B, D].map((id) => [stateOf(id)?.rate_mps, stateOf(id)?.rate_source]), [[50, 'override'], [20, 'coexistence']])

  // An upgrade in progress: 131057 for a while; the number waits EGRESS_MAINTENANCE_PAUSE_MS and tries again, no failure.
  sim.upgradeThroughput(C, { maintenanceMs: 1000 })
  await produceRequests(producer, prefix, [textRequest(C, '+15550001000', 'during-upgrade')])
  await waitFor(() => results.some((r) => r.request_id === 'during-upgrade'), 30_000, 'the request sent during the upgrade')
  const result = results.find((r) => r.request_id === 'during-upgrade')!
  assert.equal(result.status, 'accepted')
  assert.ok(result.attempts >= 2)
  assert.ok(sim.refused().some((r) => r.phoneNumberId === C && r.code === 131057))
  assert.equal(dead.length, 0)
})
