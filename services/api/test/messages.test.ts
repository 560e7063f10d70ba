import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { readAll } from '@wabridge/kafka/testing'
import { fromKafkaHeaders } from '@wabridge/kafka'
import { buildTestApi, NUMBER_A1, textRequest, WABA_A } from './helpers.ts'

test('a POST is answered 202 once its request is in the requests topic, as an Avro OutboundRequest keyed by the number', async (t) => {
  const h = await buildTestApi(t)
  const { key } = await h.createKey({ wabas: [WABA_A] })
  const requestId = randomUUID()
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: requestId, metadata: { ticket: 'T-1' } }) })
  assert.equal(reply.status, 202)
  assert.deepEqual(reply.body, { request_id: requestId, state: 'queued' })
  const [record] = await readAll(h.kafka, h.topics.requests, 1)
  assert.equal(record!.key, NUMBER_A1)
  assert.equal(fromKafkaHeaders(record!.headers).eventId, requestId)
  const { value } = h.codec.decode(record!.value!, 'OutboundRequest')
  assert.deepEqual({ ...value, metadata: { ...value.metadata } }, {
    request_id: requestId, phone_number_id: NUMBER_A1, to: '+16505551234', message_json: '{"type":"text","text":{"body":"Hello"}}', expires_at: null, metadata: { ticket: 'T-1' }, created_at: null
  })
})
