import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { topicNames } from '@wabridge/kafka'
import { replayDeadLetters } from '../src/dlq-replay.ts'
import { codec, collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

test('dead letters are replayed (filtered by code) as new requests and sent again', { timeout: 60_000 }, async (t) => {
  const prefix = `dlq-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, {
    faults: [
      { match: { to: '+15551110001' }, action: { type: 'error', code: 131026 } },
      { match: { to: '+15551110002' }, action: { type: 'error', code: 131047 } }
    ]
  })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 2)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '2' }))
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, [
    textRequest('6001', '+15551110001', 'undeliverable-1'),
    textRequest('6002', '+15551110001', 'undeliverable-2'),
    textRequest('6001', '+15551110002', 'outside-window')
  ])
  await waitFor(() => results.length >= 3, 20_000, () => 'three failed results')
  assert.ok(results.every((r) => r.status === 'failed'))

  sim.clearFaults()
  const topics = topicNames(prefix)
  const dry = await replayDeadLetters(kafka, codec, producer, { dlqTopic: topics.outboundDlq, requestsTopic: topics.outboundRequests, filter: { code: 131026 }, dryRun: true })
  assert.deepEqual({ scanned: dry.scanned, matched: dry.matched, replayed: dry.replayed }, { scanned: 3, matched: 2, replayed: 2 })
  const one = await replayDeadLetters(kafka, codec, producer, { dlqTopic: topics.outboundDlq, requestsTopic: topics.outboundRequests, filter: { code: 131026, phoneNumberId: '6002' } })
  assert.equal(one.replayed, 1)

  await waitFor(() => results.length >= 4, 20_000, () => 'the replayed request\'s result')
  const replayed = results[3]!
  assert.equal(replayed.status, 'accepted')
  assert.match(replayed.request_id, /^undeliverable-2~replay-\d+$/)
  assert.equal(replayed.metadata.replay_of, 'undeliverable-2')
  assert.equal(sim.accepted().length, 1)
  assert.equal(sim.accepted()[0]!.bizOpaqueCallbackData, replayed.request_id)
})
