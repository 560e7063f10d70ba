import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { createProducer } from '@wabridge/kafka'
import { testKafka } from '@wabridge/kafka/testing'
import { createCodec, type OutboundResult } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { apiTopicsOf, ensureApiTopics } from '../src/api-topics.ts'
import { createApi } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { apiKeyRecord, call, NUMBER_A1, testEnv, WABA_A } from './helpers.ts'

test('an instance started after the records were written is ready only once it read them: keys and states answer at once', async (t) => {
  const config = loadConfig(testEnv())
  const logger = createLogger({ level: 'silent', name: 'api-test' })
  const kafka = testKafka()
  const topics = apiTopicsOf(config.TOPIC_PREFIX, config.API_KEYS_TOPIC)
  await ensureApiTopics(kafka, { prefix: config.TOPIC_PREFIX, partitions: 2, replicationFactor: 0, keysTopic: topics.keys }, logger)
  const codec = createCodec()
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  const { keyId, key, record } = apiKeyRecord({ wabas: [WABA_A] })
  const requestId = randomUUID()
  const result: OutboundResult = {
    request_id: requestId,
    phone_number_id: NUMBER_A1,
    to: '16505551234',
    status: 'accepted',
    wamid: 'wamid.X',
    wa_id: null,
    message_status: null,
    error: null,
    attempts: 1,
    requested_at: null,
    first_attempt_at: null,
    completed_at: Date.now(),
    metadata: {},
    business_usage_json: null,
    app_usage_json: null,
    source_topic: topics.requests,
    source_partition: 0,
    source_offset: '0',
    reason: null,
    settlement: null
  }
  await producer.send([
    { topic: topics.keys, key: keyId, value: codec.encode('ApiKey', record) },
    { topic: topics.results, key: NUMBER_A1, value: codec.encode('OutboundResult', result) }
  ])

  const api = createApi(config, { logger })
  t.after(() => api.stop())
  await api.start()
  await api.whenCaughtUp()
  assert.equal(api.isReady(), true)
  const url = api.url!
  assert.equal((await call(url, 'GET', '/readyz')).status, 200)
  const state = await call(url, 'GET', `/v1/messages/${requestId}`, { key })
  assert.deepEqual([state.status, state.body.state, state.body.wamid, state.body.queued_at], [200, 'accepted', 'wamid.X', null])
})
