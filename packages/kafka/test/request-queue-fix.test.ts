import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProducer } from '../src/index.ts'
import { connectedAdmin, createTopic, readAll, testKafka, uniqueName } from './helpers.ts'

test('producing and consuming schedules no negative timer (no TimeoutNegativeWarning on Node 24)', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error) => { warnings.push(`${w.name}: ${w.message}`) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })

  const kafka = testKafka()
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('negative-timer')
  await createTopic(admin, topic, 2)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  for (let i = 0; i < 20; i++) await producer.send([{ topic, key: `k${i}`, value: `v${i}` }])
  assert.equal((await readAll(kafka, topic, 20)).length, 20)
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((w) => w.startsWith('TimeoutNegativeWarning')), [])
})
