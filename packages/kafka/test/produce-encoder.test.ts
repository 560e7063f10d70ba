import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { crc32C, encodeProduceRequest, setupProduceEncoder, type ProduceRequestArgs } from '../src/produce-encoder.ts'

const require = createRequire(import.meta.url)
const kafkajsRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceRequestArgs) => { encode: () => Promise<{ buffer: Buffer }> }
const kafkajsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number

const NOW = 1_764_500_000_123

function cases (): Array<[string, ProduceRequestArgs]> {
  const big = Buffer.alloc(70_000, 7)
  return [
    ['idempotent, two topics, headers of every shape', {
      acks: -1,
      timeout: 30_000,
      producerId: 4242,
      producerEpoch: 3,
      topicData: [
        {
          topic: 'wa.inbound.messages',
          partitions: [
            { partition: 0, firstSequence: 17, messages: [{ key: '106540352242922:15551234567', value: Buffer.from('{"ünïcode":"✓"}'), headers: { 'content-type': 'application/json', 'event-id': Buffer.from('wamid.X'), multi: ['a', Buffer.from('b')] } }] },
            { partition: 11, firstSequence: 2_000_000_000, messages: [{ key: null, value: 'plain string', headers: {} }, { key: Buffer.alloc(0), value: null }] }
          ]
        },
        { topic: 'wa.inbound.raw', partitions: [{ partition: 3, messages: [{ key: 'k', value: big, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }] }] }
      ]
    }],
    ['transactional, own timestamps (numbers and strings), many records', {
      acks: -1,
      timeout: 5000,
      transactionalId: 'wabridge-metrics-0',
      producerId: '9007199254740993',
      producerEpoch: 1,
      topicData: [{
        topic: 't',
        partitions: [{
          partition: 5,
          firstSequence: 0,
          messages: Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, value: `v${'x'.repeat(i)}`, timestamp: i % 2 === 0 ? NOW - 5_000_000_000 + i : String(NOW + i) }))
        }]
      }]
    }],
    ['not idempotent, acks=1', { acks: 1, timeout: 100, topicData: [{ topic: 'x', partitions: [{ partition: 0, messages: [{ key: 'a', value: 'b' }] }] }] }]
  ]
}

for (const [name, args] of cases()) {
  test(`the produce encoder writes the bytes kafkajs writes: ${name}`, async (t) => {
    t.mock.method(Date, 'now', () => NOW)
    const theirs = (await kafkajsRequest(args).encode()).buffer
    const ours = encodeProduceRequest(args, NOW)
    assert.equal(ours.length, theirs.length)
    assert.ok(ours.equals(theirs), 'byte for byte equal')
  })
}

test('the encoder is installed into kafkajs 2.2.4 and replaces Produce v3–v7 without compression only', () => {
  assert.equal(setupProduceEncoder('wabridge').active, true)
  const definition = require('kafkajs/src/protocol/requests/produce/index.js') as { protocol: (o: { version: number }) => (args: ProduceRequestArgs) => { request: { encode: unknown, apiVersion: number } } }
  const args: ProduceRequestArgs = { acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v' }] }] }] }
  const v3 = kafkajsRequest(args)
  for (const version of [3, 7]) {
    const made = definition.protocol({ version })(args).request
    assert.equal(made.apiVersion, version)
    assert.notEqual(made.encode, v3.encode, `v${version} uses the installed encoder`)
  }
  // GZIP (1) keeps kafkajs' own encoding, as does v2.
  const gzip = definition.protocol({ version: 7 })({ ...args, compression: 1 }).request
  assert.equal(String(gzip.encode), String(v3.encode))
})

test('crc32C agrees with kafkajs\' CRC-32C on every length up to 4 KiB and on the standard check value', () => {
  assert.equal(crc32C(Buffer.from('123456789')), 0xe3069283)
  const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 0xff))
  for (let n = 0; n <= bytes.length; n += 61) assert.equal(crc32C(bytes.subarray(0, n)), kafkajsCrc32C(bytes.subarray(0, n)), `length ${n}`)
})
