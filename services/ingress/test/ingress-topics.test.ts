import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { ensureIngressTopics } from '../src/ingress-topics.ts'
import { brokersFromEnv } from './helpers.ts'

test('creates exactly the four inbound topics, and a second call changes nothing', async (t) => {
  const kafka = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: 'topics-test' })
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const prefix = `t-${randomUUID().slice(0, 12)}`
  const logger = createLogger({ level: 'silent', name: 'test' })
  await ensureIngressTopics(kafka, { prefix, partitions: 3, replicationFactor: 1 }, logger)
  await ensureIngressTopics(kafka, { prefix, partitions: 3, replicationFactor: 1 }, logger)

  const names = topicNames(prefix)
  const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(`${prefix}.`)).sort()
  assert.deepEqual(mine, [names.inboundEvents, names.inboundMessages, names.inboundRaw, names.inboundStatuses].sort())
  const metadata = await admin.fetchTopicMetadata({ topics: mine })
  assert.deepEqual(metadata.topics.map((topic) => topic.partitions.length), [3, 3, 3, 3])
})
