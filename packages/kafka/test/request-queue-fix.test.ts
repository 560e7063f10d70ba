import assert from 'node:assert/strict'
import { test } from 'node:test'
import { countRequestQueueChecks, producerOnNewTopic, readAll, testKafka } from './helpers.ts'

test('producing and consuming schedules no negative timer (no TimeoutNegativeWarning on Node 24)', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error) => { warnings.push(`${w.name}: ${w.message}`) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })

  const kafka = testKafka()
  const { topic, producer } = await producerOnNewTopic(t, kafka, 'negative-timer', 2)
  for (let i = 0; i < 20; i++) await producer.send([{ topic, key: `k${i}`, value: `v${i}` }])
  assert.equal((await readAll(kafka, topic, 20)).length, 20)
  // Warnings are emitted on the next tick.
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(warnings.filter((w) => w.startsWith('TimeoutNegativeWarning')), [])
})

test('an idle connection does not check its empty request queue every millisecond', async (t) => {
  const checks = countRequestQueueChecks(t)

  const kafka = testKafka()
  const { topic, producer } = await producerOnNewTopic(t, kafka, 'idle-queue', 1)
  await producer.send([{ topic, key: 'k', value: 'v' }])
  // Idle now: the admin and the producer each keep a connection open with nothing to send.
  checks.count = 0
  await new Promise((resolve) => setTimeout(resolve, 300))
  // kafkajs' own schedule checked each connection about every millisecond (hundreds of checks here).
  assert.ok(checks.count < 20, `${checks.count} checks of an empty request queue while idle`)
})
