import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createKafkaClient } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { loadConfig } from '../src/config.ts'
import { ensureSchedulerTopics } from '../src/topics.ts'
import { isFencingError } from '@wabridge/kafka'
import { PartitionProducer } from '../src/transactions.ts'
import { brokersFromEnv, collect, testEnv, uniqueName, waitFor } from './helpers.ts'

const record = (topic: string, value: string) => ({ topic, partition: 0, key: 'k', value: Buffer.from(value) })

// A partition's new owner opens by connecting its producer, then reads the committed offset and the
// pending partition as final. That holds only if connecting fenced the previous owner: kafkajs asks for
// the transactional producer id (which fences) at the first transaction, not at connect.
test('a new owner\'s connect fences the previous owner at once: the old one\'s next transaction commits nothing', { timeout: 60_000 }, async (t) => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '1' })
  const config = loadConfig(env)
  const kafka = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('fence') })
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await ensureSchedulerTopics(admin, config, createLogger({ level: 'silent', name: 'test' }))
  const topic = config.SCHEDULER_PENDING_TOPIC
  const transactionalId = uniqueName('fence-txn')
  const options = { transactionalId, transactionTimeoutMs: 10_000, partition: 0 }

  // The old owner commits once, so its producer holds an epoch, as a running worker's does.
  const old = new PartitionProducer(kafka, options)
  t.after(() => old.disconnect())
  await old.connect()
  await old.commit([record(topic, 'old-1')])

  const next = new PartitionProducer(kafka, options)
  t.after(() => next.disconnect())
  await next.connect()

  // Everything the old owner writes from now on must fail as fenced.
  await assert.rejects(old.commit([record(topic, 'old-2')]), (err: unknown) => isFencingError(err), 'the old owner committed after the new owner connected')
  await next.commit([record(topic, 'new-1')])

  const read = await collect(t, topic)
  await waitFor('both committed records', () => read.length >= 2)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.deepEqual(read.map((m) => m.value!.toString()), ['old-1', 'new-1'])
})
