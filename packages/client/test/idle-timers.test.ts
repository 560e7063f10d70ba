// Its own file (its own process): nothing here may create a client through @wabridge/kafka, whose
// createKafkaClient corrects kafkajs for the whole process and would hide what the client does alone.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { brokersFromEnv, countRequestQueueChecks, createTopic, uniqueName } from '@wabridge/kafka/testing'
import { createClient } from '../src/index.ts'

test('a client that sent, then idles, neither warns of negative timers nor checks its empty request queues every millisecond', async (t) => {
  const warnings: string[] = []
  const onWarning = (w: Error) => { warnings.push(`${w.name}: ${w.message}`) }
  process.on('warning', onWarning)
  t.after(() => { process.off('warning', onWarning) })
  const checks = countRequestQueueChecks(t)

  const brokers = brokersFromEnv()
  const prefix = uniqueName('client-idle')
  // First: the correction is the client's to make (its admin below is plain kafkajs, and would warn on its own before it).
  const client = createClient({ brokers, topicPrefix: prefix })
  t.after(() => client.close())
  const admin = new Kafka({ brokers, clientId: 'idle-timers-admin', logLevel: logLevel.NOTHING }).admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await createTopic(admin, `${prefix}.outbound.requests`, 1)
  t.after(() => admin.deleteTopics({ topics: [`${prefix}.outbound.requests`] }).catch(() => {}))

  await client.send({ phone_number_id: '106540352242922', to: '+16505551234', message: { type: 'text', text: { body: 'Hello' } } })

  // Idle now: the client's producer and the admin each keep connections open with nothing to send.
  checks.count = 0
  await new Promise((resolve) => setTimeout(resolve, 300))
  // kafkajs 2.2.4 re-arms a negative timer on each such connection about every millisecond (hundreds of checks here).
  assert.ok(checks.count < 20, `${checks.count} checks of an empty request queue while idle`)
  assert.deepEqual(warnings.filter((w) => w.startsWith('TimeoutNegativeWarning')), [])
})
