import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createConsumer, createProducer, type WabridgeConsumer } from '../src/index.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName, waitFor } from './helpers.ts'

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

  // Each member records the values whose offsets it committed, after the commit succeeded.
  const committed: string[][] = [[], []]
  const startErrors: unknown[] = []
  function member (index: number): WabridgeConsumer {
    const consumer = createConsumer(kafka, {
      groupId, topics: [topic], fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, maxBytesPerPartition: 2048
    })
    t.after(() => consumer.stop())
    consumer.start({
      eachBatch: async ({ batch, isRunning, isStale, heartbeat }) => {
        const values: string[] = []
        let last: string | undefined
        for (const message of batch.messages) {
          if (!isRunning() || isStale()) return
          values.push(message.value!.toString())
          last = message.offset
          await new Promise((resolve) => setTimeout(resolve, 20))
          // Heartbeats inside the batch are how a member learns of a rebalance mid-batch.
          await heartbeat()
        }
        if (last === undefined) return
        // A commit that fails because of a rebalance leaves the batch to the next owner.
        try {
          await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: String(BigInt(last) + 1n) }])
        } catch {
          return
        }
        committed[index]!.push(...values)
      }
    }).catch((err: unknown) => { startErrors.push(err) })
    return consumer
  }

  member(0)
  await waitFor(() => committed[0]!.length >= 60, 30_000, 'the first member to commit some records')
  member(1)
  await waitFor(() => committed[0]!.length + committed[1]!.length >= total, 60_000, 'all records committed')

  assert.deepEqual(startErrors, [])
  const all = [...committed[0]!, ...committed[1]!]
  assert.equal(all.length, total, 'a committed record was delivered and committed twice')
  assert.deepEqual(new Set(all).size, total)
  assert.ok(committed[1]!.length > 0, 'the second member never got a partition')
  const offsets = await admin.fetchOffsets({ groupId, topics: [topic] })
  const highs = await admin.fetchTopicOffsets(topic)
  for (const p of offsets[0]!.partitions) {
    assert.equal(p.offset, highs.find((h) => h.partition === p.partition)!.high, `partition ${p.partition} committed to its end`)
  }
})
