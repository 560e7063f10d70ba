import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureTopics, topicNames } from '../src/index.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName } from './helpers.ts'

test('ensureTopics creates the topic table once and is idempotent', async (t) => {
  const admin = await connectedAdmin(t, testKafka())
  const prefix = uniqueName('et')
  const names = Object.values(topicNames(prefix))

  const first = await ensureTopics(admin, { prefix, partitions: 3, replicationFactor: 1 })
  assert.deepEqual(first.created.sort(), [...names].sort())
  assert.deepEqual(first.existing, [])

  const second = await ensureTopics(admin, { prefix, partitions: 3, replicationFactor: 1 })
  assert.deepEqual(second.created, [])
  assert.deepEqual(second.existing.sort(), [...names].sort())
  assert.deepEqual(second.mismatched, [])

  const meta = await admin.fetchTopicMetadata({ topics: names })
  for (const topic of meta.topics) assert.equal(topic.partitions.length, 3, topic.name)

  const raw = topicNames(prefix).inboundRaw
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: raw, configNames: ['max.message.bytes', 'retention.ms'] }] })
  const entries = Object.fromEntries(configs.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]))
  assert.equal(entries['max.message.bytes'], String(8 * 1024 * 1024))
  assert.equal(entries['retention.ms'], String(30 * 24 * 3600 * 1000))
})

test('ensureTopics never deletes or alters existing topics and reports a partition mismatch', async (t) => {
  const admin = await connectedAdmin(t, testKafka())
  const prefix = uniqueName('et')
  const names = topicNames(prefix)
  await createTopic(admin, names.outboundRequests, 2)
  const unrelated = `${prefix}.something.else`
  await createTopic(admin, unrelated, 1)

  const result = await ensureTopics(admin, { prefix, partitions: 4, replicationFactor: 1, only: ['outboundRequests', 'outboundResults'] })
  assert.deepEqual(result.created, [names.outboundResults])
  assert.deepEqual(result.mismatched, [{ topic: names.outboundRequests, partitions: 2, wanted: 4 }])

  const meta = await admin.fetchTopicMetadata({ topics: [names.outboundRequests, unrelated] })
  assert.equal(meta.topics.find((m) => m.name === names.outboundRequests)!.partitions.length, 2)
  assert.ok((await admin.listTopics()).includes(unrelated))
})
