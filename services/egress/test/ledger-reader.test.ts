import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { createProducer, toKafkaHeaders } from '@wabridge/kafka'
import { connectedAdmin, createTopic, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
import { Ledger } from '../src/ledger.ts'
import { createLedgerReader } from '../src/ledger-reader.ts'
import { ATTEMPT_HEADERS } from '../src/outputs.ts'

test('the ledger tail reads another instance\'s markers for tailMs after a load or a rebalance, and pauses in between', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const name = uniqueName('ledger')
  const topics = { results: `${name}.results`, attempts: `${name}.attempts`, requests: `${name}.requests` }
  for (const topic of Object.values(topics)) await createTopic(admin, topic, 2)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  const marker = (partition: number, requestId: string) => producer.send([{
    topic: topics.attempts,
    partition,
    key: 'n',
    value: '{}',
    headers: toKafkaHeaders({ eventId: requestId, extra: { [ATTEMPT_HEADERS.state]: 'started', [ATTEMPT_HEADERS.attempt]: '0', [ATTEMPT_HEADERS.instance]: 'other' } })
  }])

  const result = (partition: number, requestId: string) => producer.send([{ topic: topics.results, partition, key: 'n', value: 'r', headers: toKafkaHeaders({ eventId: requestId }) }])

  const ledger = new Ledger(Date.now)
  const tailMs = 1000
  const reader = createLedgerReader(kafka, admin, ledger, {
    resultsTopic: topics.results, attemptsTopic: topics.attempts, requestsTopic: topics.requests, groupId: `${name}.egress`, lookbackMs: 60_000, instance: 'me', tailMs, maxTailMs: 60_000
  })
  await reader.start()
  t.after(() => reader.stop())

  await marker(0, 'before-load')
  await reader.load(0)
  assert.equal(ledger.get(0, 'before-load')?.state, 'started', 'the load reads what was written before it')
  assert.equal(reader.isTailing(0), true)
  assert.equal(reader.isTailing(1), false, 'partitions this instance does not own are not read')

  await marker(0, 'in-window')
  await waitFor(() => ledger.get(0, 'in-window') !== undefined, 10_000, 'a marker written during the window')
  await sleep(tailMs + 1000)
  assert.equal(reader.isTailing(0), true, 'still read while another instance\'s attempts are in doubt')

  await result(0, 'before-load')
  await result(0, 'in-window')
  await waitFor(() => !reader.isTailing(0), 10_000, 'the tail to pause once nothing is in doubt')
  assert.equal(ledger.get(0, 'in-window')?.final, true)
  await marker(0, 'while-paused')
  await sleep(1000)
  assert.equal(ledger.get(0, 'while-paused'), undefined, 'a paused tail reads nothing')

  reader.rewatch()
  await waitFor(() => reader.isTailing(0), 10_000, 'the tail to resume after a rebalance')
  await marker(0, 'after-rebalance')
  await waitFor(() => ledger.get(0, 'after-rebalance') !== undefined, 10_000, 'a marker written after the rebalance')
  assert.equal(ledger.get(0, 'while-paused'), undefined, 'the tail resumes from the end, not from where it paused')

  reader.unload(0)
  assert.equal(reader.isTailing(0), false)
})
