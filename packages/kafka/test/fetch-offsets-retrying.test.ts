import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fetchTopicOffsetsRetrying } from '../src/ensure-topics.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName } from '../src/testing.ts'

test('offsets of a topic that exists only a moment later: the transient error is retried until the topic is served', async (t) => {
  const admin = await connectedAdmin(t, testKafka())
  const topic = uniqueName('offsets-later')
  // Another process creates it while this one starts.
  const creating = new Promise((resolve) => setTimeout(resolve, 500)).then(() => createTopic(admin, topic, 3))
  const offsets = await fetchTopicOffsetsRetrying(admin, topic, 30_000)
  await creating
  assert.deepEqual(offsets.map((o) => o.partition).sort(), [0, 1, 2])
})

test('a topic that never comes: the transient error is retried, then given up after the timeout', async (t) => {
  const admin = await connectedAdmin(t, testKafka())
  const started = Date.now()
  await assert.rejects(fetchTopicOffsetsRetrying(admin, uniqueName('never-created'), 1_500))
  assert.ok(Date.now() - started >= 1_400, 'retried until the timeout')
})
