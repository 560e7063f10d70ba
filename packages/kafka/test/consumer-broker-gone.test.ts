import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createLocalKafka, findFreePorts, type LocalKafka } from '@wabridge/local-kafka'
import { createConsumer, type ConsumerOptions, type WabridgeConsumer } from '../src/index.ts'
import { createTopic, testKafka, uniqueName, waitFor } from './helpers.ts'

// kafkajs restarts a consumer after retriable crashes for ever: a broker gone for good must end in
// onCrash, once. One private broker (the run's shared one must never be killed), killed once for
// every consumer of this file.

interface Watched {
  consumer: WabridgeConsumer
  fatal: Error[]
  /** The restart flag of each CRASH event. */
  crashes: boolean[]
  /** CRASH events and onCrash calls in the order they happened. */
  events: string[]
}

let local: LocalKafka
const watched: Watched[] = []

function watch (topic: string, options: Partial<ConsumerOptions>): Watched {
  const kafka = testKafka(local.brokers)
  const w: Watched = { consumer: undefined as unknown as WabridgeConsumer, fatal: [], crashes: [], events: [] }
  w.consumer = createConsumer(kafka, { groupId: uniqueName('gone'), topics: [topic], onCrash: (err) => { w.fatal.push(err); w.events.push('fatal') }, ...options })
  w.consumer.kafkajs.on(w.consumer.kafkajs.events.CRASH, (e) => { w.crashes.push(e.payload.restart); w.events.push(`crash restart=${e.payload.restart}`) })
  watched.push(w)
  return w
}

let budgeted: Watched
let slowRestart: Watched

before(async () => {
  local = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), 'wabridge-consumer-gone-')), basePort: await findFreePorts(2) })
  await local.start()
  const admin = testKafka(local.brokers).admin()
  await admin.connect()
  const topic = uniqueName('gone')
  await createTopic(admin, topic)
  await admin.disconnect()
  budgeted = watch(topic, { maxRestarts: 1 })
  // Five restarts allowed, but each must rejoin (or crash again) within a second: with the broker
  // gone, kafkajs' connection retries take longer than that.
  slowRestart = watch(topic, { maxRestarts: 5, restartTimeoutMs: 1000 })
  let joined = 0
  for (const w of watched) {
    w.consumer.kafkajs.on(w.consumer.kafkajs.events.GROUP_JOIN, () => { joined++ })
    await w.consumer.start({ eachMessage: async () => {} })
  }
  await waitFor(() => joined >= watched.length, 30_000, 'every consumer to join')
  await local.killNode(1)
})

after(async () => {
  for (const w of watched) await w.consumer.stop()
  await local.stop()
  await local.destroy()
})

test('a consumer whose broker is gone for good calls onCrash once its restarts are spent', async () => {
  await waitFor(() => budgeted.fatal.length > 0, 90_000, 'onCrash')
  assert.deepEqual(budgeted.crashes, [true, false], 'one restart, then the crash that spent the budget')
  assert.match(budgeted.fatal[0]!.message, /crashed again after 1 restart\(s\) within 600000 ms$/)
  await budgeted.consumer.stop()
  assert.equal(budgeted.fatal.length, 1)
})

test('a restart that neither rejoins nor crashes again within restartTimeoutMs is fatal, once', async () => {
  await waitFor(() => slowRestart.fatal.length > 0, 60_000, 'onCrash')
  // The events, not a snapshot: this test may run after both happened (the one above waits up to 90 s).
  assert.deepEqual(slowRestart.events.slice(0, 2), ['crash restart=true', 'fatal'], 'fatal before the restart crashed again')
  assert.match(slowRestart.fatal[0]!.message, /did not rejoin within 1000 ms of a restart/)
  // The restart that was still under way crashes in the end, and kafkajs is told not to restart again.
  await waitFor(() => slowRestart.crashes.length > 1, 60_000, 'the restart to crash')
  assert.deepEqual(slowRestart.crashes, [true, false])
  assert.equal(slowRestart.fatal.length, 1)
})
