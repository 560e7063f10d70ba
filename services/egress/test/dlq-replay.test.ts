import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import { test, type TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { topicNames } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import { dlqReplaysTopic, listedLetter, readReplayLog, ReplayInterruptedError, replayDeadLetters, scanDeadLetters } from '../src/dlq-replay.ts'
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
  // A copy of undeliverable-2's dead letter in the DLQ: the same request, replayed once.
  const dlq = topicNames(prefix).outboundDlq
  const copies: Array<{ topic: string, key: string, value: Buffer }> = []
  await scanDeadLetters(kafka, codec, dlq, { phoneNumberId: '6002' }, async (letter) => { copies.push({ topic: dlq, key: '6002', value: await codec.serialize(dlq, 'DeadLetter', letter) }) })
  await producer.send(copies)
  const dry = await replayDeadLetters(kafka, codec, { prefix, filter: { code: 131026 }, dryRun: true })
  assert.deepEqual({ scanned: dry.scanned, matched: dry.matched, replayed: dry.replayed, alreadyReplayed: dry.alreadyReplayed }, { scanned: 4, matched: 3, replayed: 2, alreadyReplayed: 1 })
  const one = await replayDeadLetters(kafka, codec, { prefix, filter: { code: 131026, phoneNumberId: '6002' }, replayedBy: 'ops@test' })
  assert.deepEqual({ replayed: one.replayed, alreadyReplayed: one.alreadyReplayed }, { replayed: 1, alreadyReplayed: 1 })

  await waitFor(() => results.length >= 4, 20_000, () => 'the replayed request\'s result')
  const replayed = results[3]!
  assert.equal(replayed.status, 'accepted')
  assert.match(replayed.request_id, /^undeliverable-2~replay-\d+-\d+$/)
  assert.equal(replayed.metadata.replay_of, 'undeliverable-2')
  assert.equal(sim.accepted().length, 1)
  assert.equal(sim.accepted()[0]!.bizOpaqueCallbackData, replayed.request_id)

  // dlq list says which letter was replayed, as which request, by whom.
  const log = await readReplayLog(kafka, codec, prefix)
  const listed: Array<Record<string, unknown>> = []
  await scanDeadLetters(kafka, codec, topicNames(prefix).outboundDlq, {}, (letter) => { listed.push(listedLetter(letter, log)) })
  const byId = Object.fromEntries(listed.map((l) => [l.request_id as string, l.replayed as { request_id: string, replays: number, replayed_by: string } | null]))
  assert.deepEqual(listed.map((l) => l.request_id).sort(), ['outside-window', 'undeliverable-1', 'undeliverable-2', 'undeliverable-2'])
  assert.equal(byId['undeliverable-1'], null)
  assert.equal(byId['outside-window'], null)
  assert.deepEqual({ ...byId['undeliverable-2'], replayed_at: undefined }, { request_id: replayed.request_id, replays: 1, replayed_by: 'ops@test', replayed_at: undefined })
  assert.ok(listed.every((l) => typeof l.original_value_bytes === 'number' && !('original_value' in l)))
})

/** A codec that calls `before(n)` ahead of its n-th serialize of an OutboundRequest: a replay to interrupt or hold at a letter. */
function codecBefore (before: (n: number) => Promise<void> | void): Codec {
  let calls = 0
  return new Proxy(codec, {
    get (target, prop, receiver) {
      if (prop !== 'serialize') return Reflect.get(target, prop, receiver) as unknown
      return async (...args: Parameters<Codec['serialize']>) => {
        if (args[1] === 'OutboundRequest') await before(++calls)
        return await target.serialize(...args)
      }
    }
  })
}

/** Egress and the simulator on a fresh prefix, and one dead letter (131026) for each of `ids`, alternating numbers 6001 and 6002. */
async function deadLetters (t: TestContext, ids: readonly string[]): Promise<{ prefix: string, sim: Awaited<ReturnType<typeof startSim>>, kafka: Kafka }> {
  const prefix = `dlq-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { faults: [{ match: { to: '+15551110001' }, action: { type: 'error', code: 131026 } }] })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 2)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '2' }))
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, ids.map((id, i) => textRequest(i % 2 === 0 ? '6001' : '6002', '+15551110001', id)))
  await waitFor(() => results.length >= ids.length, 20_000, () => `${ids.length} failed results (${results.length})`)
  sim.clearFaults()
  return { prefix, sim, kafka }
}

// Before the replay log, each run of `wabridge dlq replay` produced every matching letter again with a new
// request id (`~replay-<now>`): run twice, or again after it stopped part-way, it sent those messages twice.
test('dead letters are replayed once each: through an interrupted run, a partial run, runs repeated, and once more only when asked', { timeout: 90_000 }, async (t) => {
  const ids = ['d-1', 'd-2', 'd-3', 'd-4', 'd-5']
  const { prefix, sim, kafka } = await deadLetters(t, ids)
  const options = { prefix, filter: { code: 131026 } }

  // Dies at its third letter, before its transaction committed: nothing of it counts, nothing is sent.
  const dying = codecBefore((n) => { if (n === 3) throw new Error('injected: the replay process died here') })
  await assert.rejects(replayDeadLetters(kafka, dying, options), (err: unknown) => {
    assert.ok(err instanceof ReplayInterruptedError)
    assert.match(err.message, /the replay stopped: injected: the replay process died here\. 0 dead letters were replayed and committed before; 2 more were not committed\. Run it again/)
    assert.equal(err.outcome.replayed, 0)
    return true
  })
  const partial = await replayDeadLetters(kafka, codec, { ...options, limit: 2 })
  assert.deepEqual({ replayed: partial.replayed, alreadyReplayed: partial.alreadyReplayed }, { replayed: 2, alreadyReplayed: 0 })
  const rest = await replayDeadLetters(kafka, codec, options)
  assert.deepEqual({ matched: rest.matched, replayed: rest.replayed, alreadyReplayed: rest.alreadyReplayed }, { matched: 5, replayed: 3, alreadyReplayed: 2 })
  const repeated = await replayDeadLetters(kafka, codec, options)
  assert.deepEqual({ replayed: repeated.replayed, alreadyReplayed: repeated.alreadyReplayed }, { replayed: 0, alreadyReplayed: 5 })
  const dryAgain = await replayDeadLetters(kafka, codec, { ...options, again: true, dryRun: true })
  assert.equal(dryAgain.replayed, 5, 'a dry run with --again counts every matching letter')
  const again = await replayDeadLetters(kafka, codec, { ...options, filter: { code: 131026, phoneNumberId: '6002' }, again: true, limit: 1 })
  assert.equal(again.replayed, 1)

  await waitFor(() => sim.accepted().length >= 6, 30_000, () => `six sends (${sim.accepted().length})`)
  // Time for anything produced twice to be sent twice.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const sent = sim.accepted().map((s) => s.bizOpaqueCallbackData!).sort()
  const firstReplays = sent.filter((id) => /^d-\d~replay-\d+-\d+$/.test(id))
  assert.deepEqual(firstReplays.map((id) => id.split('~')[0]).sort(), ids, `each dead letter replayed once: ${sent.join(', ')}`)
  const secondReplays = sent.filter((id) => /~replay-\d+-\d+-2$/.test(id))
  assert.equal(secondReplays.length, 1, `one letter replayed again: ${sent.join(', ')}`)
  assert.ok(['d-2', 'd-4'].includes(secondReplays[0]!.split('~')[0]!), 'the one asked for (number 6002)')
  assert.equal(sent.length, 6)

  // The log holds one entry per letter (the one replayed again says so).
  const entries = new Map<string, { replays: number, request_id: string, replayed_by: string | null }>()
  const consumer = kafka.consumer({ groupId: `log-${randomUUID()}` })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  await consumer.subscribe({ topics: [dlqReplaysTopic(prefix)], fromBeginning: true })
  await consumer.run({ eachMessage: async ({ message }) => { const v = (await codec.deserialize(message.value!, 'DeadLetterReplay')).value; entries.set(message.key!.toString(), v) } })
  await waitFor(() => entries.size >= 5 && [...entries.values()].some((e) => e.replays === 2), 20_000, () => `the replay log (${entries.size})`)
  assert.deepEqual([...entries.values()].map((e) => e.replays).sort(), [1, 1, 1, 1, 2])
  // No replayedBy given: the replay names this process's user and host, as the CLIs rely on.
  assert.deepEqual([...new Set([...entries.values()].map((e) => e.replayed_by))], [`${userInfo().username}@${hostname()}`])
  assert.deepEqual([...entries.values()].map((e) => e.request_id).sort(), [...firstReplays.filter((id) => id.split('~')[0] !== secondReplays[0]!.split('~')[0]), ...secondReplays].sort())
})

test('two replays at once: the later one fences the earlier, which stops without sending what the later one replays', { timeout: 90_000 }, async (t) => {
  const ids = ['c-1', 'c-2', 'c-3', 'c-4']
  const { prefix, sim, kafka } = await deadLetters(t, ids)

  // The first run holds at its second letter (its first waits for its transaction) until the second run is over.
  let release!: () => void
  const held = new Promise<void>((resolve) => { release = resolve })
  let reachedHold!: () => void
  const atHold = new Promise<void>((resolve) => { reachedHold = resolve })
  const holding = codecBefore(async (n) => { if (n === 2) { reachedHold(); await held } })
  const first = replayDeadLetters(kafka, holding, { prefix, filter: { code: 131026 } })
  await atHold
  const second = await replayDeadLetters(kafka, codec, { prefix, filter: { code: 131026 } })
  assert.equal(second.replayed, 4, 'the second run replays every letter: the first one committed nothing')
  release()
  await assert.rejects(first, (err: unknown) => {
    assert.ok(err instanceof ReplayInterruptedError, String(err))
    assert.match(err.message, /another replay started and took over \(this one was fenced\)\. 0 dead letters were replayed and committed before/)
    return true
  })

  await waitFor(() => sim.accepted().length >= 4, 30_000, () => `four sends (${sim.accepted().length})`)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const sent = sim.accepted().map((s) => s.bizOpaqueCallbackData!.split('~')[0]).sort()
  assert.deepEqual(sent, ids, 'each letter sent once')
})
