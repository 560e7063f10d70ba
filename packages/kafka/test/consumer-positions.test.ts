import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createConsumer, type JoinPosition } from '../src/index.ts'
import { firstJoinCrashes } from '../src/testing.ts'
import { producerOnNewTopic, testKafka, waitFor } from './helpers.ts'

test('positionsOnJoin: every join, including the one after a crashed first join, starts each partition where its reader had got to', async (t) => {
  const kafka = testKafka()
  const { topic, producer } = await producerOnNewTopic(t, kafka, 'positions', 2)
  await producer.send(Array.from({ length: 20 }, (_, i) => ({ topic, partition: i % 2, key: null, value: String(i) })))

  // Partition 0 resumes at offset 6; partition 1's position is one kafkajs refuses (negative), so it is
  // logged and the partition reads from the beginning, as fromBeginning says.
  const positions: JoinPosition[] = [{ topic, partition: 0, offset: 6n }, { topic, partition: 1, offset: -5n }]
  let asked = 0
  const warnings: Array<{ obj: Record<string, unknown>, msg: string }> = []
  const seen: Array<{ partition: number, offset: number }> = []
  const consumer = createConsumer(firstJoinCrashes(kafka), {
    groupId: `${topic}-group`,
    topics: [topic],
    fromBeginning: true,
    maxWaitTimeMs: 100,
    positionsOnJoin: () => { asked++; return positions },
    logger: { warn: (obj, msg) => { warnings.push({ obj: obj as Record<string, unknown>, msg }) } }
  })
  t.after(() => consumer.stop())
  await consumer.start({
    eachBatch: async ({ batch, resolveOffset }) => {
      for (const m of batch.messages) {
        seen.push({ partition: batch.partition, offset: Number(m.offset) })
        resolveOffset(m.offset)
      }
    }
  })
  // 10 records per partition: partition 0 from offset 6 (4 records), partition 1 from 0 (10).
  await waitFor(() => seen.length >= 14, 30_000, '14 records')
  await new Promise((resolve) => setTimeout(resolve, 300))

  assert.ok(asked >= 1, 'the positions were asked for at the join')
  const offsetsOf = (partition: number) => seen.filter((s) => s.partition === partition).map((s) => s.offset)
  assert.deepEqual(offsetsOf(0), [6, 7, 8, 9])
  assert.deepEqual(offsetsOf(1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  assert.equal(warnings.length, asked, 'one warning per join, for the refused position')
  assert.equal(warnings[0]!.obj.partition, 1)
  assert.equal(warnings[0]!.obj.topic, topic)
  assert.match(warnings[0]!.msg, /could not seek/)
})
