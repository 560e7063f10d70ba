import assert from 'node:assert/strict'
import { performance } from 'node:perf_hooks'
import { test } from 'node:test'
import { createConsumer, createProducer, type WabridgeConsumer } from '../src/index.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName, waitFor } from './helpers.ts'

// At-least-once across a rebalance: no record is lost (every one ends up committed), and no record
// is handed out again once a commit covering it has succeeded. A record processed but not yet
// committed when its partition moves may be processed again by the new owner; that is allowed.
test('two consumers in one group rebalance without losing or duplicating a committed record', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('group')
  const groupId = uniqueName('group')
  await createTopic(admin, topic, 4)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  const total = 400
  await producer.send(Array.from({ length: total }, (_, i) => ({ topic, key: `key-${i % 37}`, value: String(i) })))

  /** When a successful commit first covered each value (monotonic ms). */
  const committedAt = new Map<string, number>()
  /** Values handed out after a commit had already covered them. */
  const redelivered: string[] = []
  const committedBy: Array<Set<string>> = [new Set(), new Set()]
  const startErrors: unknown[] = []
  function member (index: number): WabridgeConsumer {
    const consumer = createConsumer(kafka, {
      groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxBytesPerPartition: 2048
    })
    t.after(() => consumer.stop())
    consumer.start({
      eachBatch: async ({ batch, isRunning, isStale, heartbeat, resolveOffset }) => {
        const handedOutAt = performance.now()
        for (const message of batch.messages) {
          const at = committedAt.get(message.value!.toString())
          if (at !== undefined && at < handedOutAt) redelivered.push(message.value!.toString())
        }
        const values: string[] = []
        let last: string | undefined
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) return
          values.push(message.value!.toString())
          last = message.offset
          await new Promise((resolve) => setTimeout(resolve, 20))
          // Resolving moves the fetch position only; with autoCommit off nothing is committed here.
          resolveOffset(message.offset)
          // Heartbeats inside the batch are how a member learns of a rebalance mid-batch.
          await heartbeat()
        }
        if (last === undefined) return
        try {
          await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }])
        } catch {
          return // a rebalance: the batch is the next owner's
        }
        const now = performance.now()
        for (const v of values) {
          if (!committedAt.has(v)) committedAt.set(v, now)
          committedBy[index]!.add(v)
        }
      }
    }).catch((err: unknown) => { startErrors.push(err) })
    return consumer
  }

  member(0)
  await waitFor(() => committedAt.size >= 60, 30_000, 'the first member to commit some records')
  member(1)
  await waitFor(() => committedAt.size >= total, 60_000, () => `all records committed, have ${committedAt.size}`)

  assert.deepEqual(startErrors, [])
  assert.deepEqual(redelivered, [], 'records were handed out again after their commit succeeded')
  assert.equal(committedAt.size, total, 'a record was lost')
  assert.ok(committedBy[1]!.size > 0, 'the second member never committed a partition of its own')
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
  const highs = await admin.fetchTopicOffsets(topic)
  for (const p of offsets[0]!.partitions) {
    assert.equal(p.offset, highs.find((h) => h.partition === p.partition)!.high, `partition ${p.partition} committed to its end`)
  }
})
