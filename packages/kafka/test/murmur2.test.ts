import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { Partitioners } from 'kafkajs'
import { murmur2, partitionOfKey } from '../src/murmur2.ts'

const kafkajsMurmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string | Buffer) => number

function keys (): Array<string | Buffer> {
  const out: Array<string | Buffer> = ['', 'a', 'ab', 'abc', 'abcd', 'abcde', '106540352242922:16505551234', 'wamid.HBgL…', 'ünïcødé 😀 ключ']
  for (let i = 0; i < 5000; i++) {
    const bytes = randomBytes(i % 67)
    out.push(i % 2 === 0 ? bytes : bytes.toString('base64') + String.fromCharCode(0x80 + (i % 2000)))
  }
  return out
}

test('murmur2 equals kafkajs\' (Java-compatible) murmur2 for strings and buffers of every length', () => {
  for (const key of keys()) assert.equal(murmur2(key), kafkajsMurmur2(key), `key ${JSON.stringify(String(key))}`)
  // Kafka's own test vectors (Utils.murmur2 in the Java client's UtilsTest).
  assert.equal(murmur2(Buffer.from('21')), -973932308)
  assert.equal(murmur2(Buffer.from('foobar')), -790332482)
})

test('partitionOfKey picks the partition kafkajs\' DefaultPartitioner picks', () => {
  const partitioner = Partitioners.DefaultPartitioner()
  for (const numPartitions of [1, 2, 3, 7, 12, 100]) {
    const partitionMetadata = Array.from({ length: numPartitions }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }))
    for (const key of keys().slice(0, 500)) {
      assert.equal(partitionOfKey(key, numPartitions), partitioner({ topic: 't', partitionMetadata, message: { key, value: null } }))
    }
  }
})
