import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import avro from 'avsc'
import { createProducer, ensureTopics, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { SCHEMA_FILES, contentTypeFor, createCodec, type OutboundRequest } from '@wabridge/schemas'
import { connectedAdmin, readAll, testKafka, uniqueName } from '../helpers/kafka.ts'

test('an Avro record goes through a real topic and decodes with the codec and with the .avsc file alone', async (t) => {
  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const prefix = uniqueName('avro')
  await ensureTopics(admin, { prefix, partitions: 3, replicationFactor: 1, only: ['outboundRequests'] })
  const topic = topicNames(prefix).outboundRequests
  const codec = createCodec()
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())

  const request: OutboundRequest = {
    request_id: 'req-1',
    phone_number_id: '106540352242922',
    to: '+16505551234',
    message_json: JSON.stringify({ type: 'text', text: { body: 'Grüße 👋' } }),
    expires_at: Date.parse('2026-11-24T18:00:00Z'),
    metadata: { crm_ticket: 'T-123' },
    created_at: 1795500000000,
    send_at: Date.parse('2026-11-24T09:00:00Z'),
    priority: 'bulk'
  }
  await producer.send([{
    topic,
    key: request.phone_number_id,
    value: codec.encode('OutboundRequest', request),
    headers: toKafkaHeaders({ eventId: 'req-1', contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: codec.fingerprintHex('OutboundRequest') })
  }])

  const [record] = await readAll(kafka, topic, 1)
  assert.equal(record!.key, request.phone_number_id)
  assert.equal(record!.headers['schema-fingerprint'], codec.fingerprintHex('OutboundRequest'))
  const decoded = codec.decode(record!.value!, 'OutboundRequest')
  assert.deepEqual({ ...decoded.value }, request)

  // A consumer in another language has only the .avsc file: strip the 10-byte header, decode.
  const value = record!.value!
  assert.deepEqual([...value.subarray(0, 2)], [0xc3, 0x01])
  assert.equal(value.subarray(2, 10).toString('hex'), codec.fingerprintHex('OutboundRequest'))
  const type = avro.Type.forSchema(JSON.parse(readFileSync(SCHEMA_FILES.OutboundRequest, 'utf8')))
  assert.deepEqual({ ...type.fromBuffer(value.subarray(10)) }, request)
})
