import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Admin, PartitionMetadata } from 'kafkajs'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'
import { createProducer } from '../src/index.ts'
import { connectedAdmin, once, testKafka, uniqueName, waitFor } from './helpers.ts'

const PARTITIONS = 6

async function partitionsOf (admin: Admin, topic: string): Promise<PartitionMetadata[]> {
  const meta = await once(`the metadata of ${topic}`, async () => await admin.fetchTopicMetadata({ topics: [topic] }))
  return [...meta.topics[0]!.partitions].sort((a, b) => a.partitionId - b.partitionId)
}

async function recordsPerPartition (admin: Admin, topic: string): Promise<number[]> {
  const offsets = await once(`the offsets of ${topic}`, async () => await admin.fetchTopicOffsets(topic))
  return offsets.sort((a, b) => a.partition - b.partition).map((o) => Number(o.high) - Number(o.low))
}

// kafkajs 2.2.4 (producer/sendMessages.js) keeps the responses of one sendBatch per broker across
// its retries. When a partition's request fails because its leader moved to a broker that has
// already answered for other partitions of the same batch, the retry skips that broker and
// sendBatch resolves without the moved partition's records: they were never written. This is what
// a leader killed under load does; here the leader is moved by a reassignment, which is the same
// for the producer (its metadata is stale) and needs no kill.
test('a send whose partition leader moved during the batch is written before it resolves', { timeout: 240_000 }, async (t) => {
  const cluster = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), 'wabridge-leader-')), nodes: 3, basePort: await findFreePorts(6), heapMb: 384 })
  t.after(async () => { await cluster.stop(); await cluster.destroy() })
  await cluster.start()
  const kafka = testKafka(cluster.brokers)
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('leader-move')
  await once(`creating ${topic}`, async () => await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 2 }] }))
  await recordsPerPartition(admin, topic)

  const producer = createProducer(kafka, { lingerMs: 0 })
  await producer.start()
  t.after(() => producer.stop())
  const onePerPartition = (round: string) => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition, value: `${round}-${partition}` }))
  // The producer learns every partition's leader now and keeps that metadata (5 min).
  await producer.send(onePerPartition('before'))

  const before = await partitionsOf(admin, topic)
  const moved = before[0]!
  const target = [1, 2, 3].filter((id) => id !== moved.leader)
  await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: moved.partitionId, replicas: target }] }] })
  await waitFor(async () => {
    const now = await partitionsOf(admin, topic).catch(() => before)
    const p = now[moved.partitionId]!
    return target.includes(p.leader) && p.replicas.length === target.length && !p.replicas.includes(moved.leader)
  }, 60_000, `partition ${moved.partitionId} moved off broker ${moved.leader}`)
  const after = await partitionsOf(admin, topic)
  const newLeader = after[moved.partitionId]!.leader
  // The broker that took the partition over also leads another partition of the batch: it answers
  // for that one first, which is what made kafkajs skip it on the retry.
  assert.ok(after.some((p) => p.partitionId !== moved.partitionId && p.leader === newLeader), `broker ${newLeader} leads another partition`)

  const acks = await producer.send(onePerPartition('after'))
  assert.ok(acks.some((m) => m.partition === moved.partitionId), `an acknowledgement for partition ${moved.partitionId}: ${JSON.stringify(acks)}`)
  assert.deepEqual(await recordsPerPartition(admin, topic), Array.from({ length: PARTITIONS }, () => 2))
})
