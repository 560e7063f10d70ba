import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'
import { createProducer } from '../src/index.ts'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from './helpers.ts'

// Uses a private broker: stopping the shared one would disturb tests running in parallel.
test('the producer survives a broker restart without losing an acknowledged record', { timeout: 180_000 }, async (t) => {
  const local = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), 'wabridge-restart-')), basePort: await findFreePorts(2) })
  t.after(async () => { await local.stop(); await local.destroy() })
  await local.start()
  const kafka = testKafka(local.brokers)
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('restart')
  await createTopic(admin, topic, 2)
  const producer = createProducer(kafka, { maxRetryTimeMs: 3000 })
  await producer.start()
  t.after(() => producer.stop())

  const acked: string[] = []
  const attempt = async (value: string, timeoutMs = 5000) => {
    try {
      await producer.send([{ topic, key: value, value }], { timeoutMs })
      acked.push(value)
    } catch {
      // not acknowledged: allowed to be missing
    }
  }
  for (let i = 0; i < 50; i++) await attempt(`before-${i}`)
  await local.stopNode(1)
  await Promise.all(Array.from({ length: 5 }, (_, i) => attempt(`down-${i}`)))
  await local.startNode(1)
  // A batch kafkajs was still retrying when the broker came back may sit out one of kafkajs'
  // reconnect backoffs (seconds, growing) before it goes: the first send after the restart gets
  // time for that, every later one the usual 5 s.
  await attempt('after-0', 30_000)
  for (let i = 1; i < 50; i++) await attempt(`after-${i}`)

  assert.ok(acked.filter((v) => v.startsWith('before-')).length === 50)
  assert.ok(acked.filter((v) => v.startsWith('after-')).length === 50, 'the producer did not recover after the restart')
  const records = await readAll(kafka, topic, acked.length, 30_000)
  const stored = new Set(records.map((r) => r.value!.toString()))
  for (const value of acked) assert.ok(stored.has(value), `acknowledged record ${value} was lost`)
  assert.equal(records.length, stored.size, 'a record was stored twice')
})
