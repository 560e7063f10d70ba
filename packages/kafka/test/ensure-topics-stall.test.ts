import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKafkaClient, ensureTopics, topicNames } from '../src/index.ts'
import { uniqueName } from './helpers.ts'
import { startPrivateBroker, type PrivateBroker } from './private-broker.ts'

let broker: PrivateBroker
before(async () => { broker = await startPrivateBroker('ensure-stall') }, { timeout: 120_000 })
after(() => broker?.stop())

test('ensureTopics started while the broker is stalled succeeds once it resumes', { timeout: 120_000 }, async (t) => {
  // kafkajs itself gives up at once (no retries, 1 s request timeout): what survives the stall is ensureTopics' own retry.
  const kafka = createKafkaClient({ brokers: broker.brokers, clientId: uniqueName('ensure'), requestTimeoutMs: 1000 })
  const admin = kafka.admin({ retry: { retries: 0 } })
  await admin.connect()
  t.after(() => admin.disconnect())
  const prefix = uniqueName('stall')
  const retried: string[] = []

  await broker.pause()
  const ensuring = ensureTopics(admin, { prefix, partitions: 2, replicationFactor: 1, only: ['outboundRequests', 'outboundResults'], onRetry: (err) => retried.push(err.message) })
  await sleep(5000)
  await broker.resume()
  const result = await ensuring

  const names = topicNames(prefix)
  const wanted = [names.outboundRequests, names.outboundResults].sort()
  // A CreateTopics that timed out on our side during the stall may still be carried out by the broker
  // once it resumes: the retry then finds the topic there (existing), which is as good as created.
  assert.deepEqual([...result.created, ...result.existing].sort(), wanted, JSON.stringify(result))
  assert.deepEqual(result.mismatched, [])
  assert.ok(retried.length > 0, 'the stall caused no retry: the test did not stall anything')
  const meta = await admin.fetchTopicMetadata({ topics: wanted })
  assert.deepEqual(meta.topics.map((m) => m.partitions.length), [2, 2])
})

test('ensureTopics fails at once, without retrying, on a config the broker refuses', { timeout: 60_000 }, async (t) => {
  const kafka = createKafkaClient({ brokers: broker.brokers, clientId: uniqueName('ensure') })
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const retried: string[] = []
  await assert.rejects(
    ensureTopics(admin, { prefix: uniqueName('bad'), partitions: 1, replicationFactor: 1, only: ['alerts'], configs: { alerts: { 'retention.ms': 'soon' } }, onRetry: (err) => retried.push(err.message) }),
    (err: unknown) => (err as { errors?: Array<{ type?: string }> }).errors?.[0]?.type === 'INVALID_CONFIG'
  )
  assert.deepEqual(retried, [])
})
