import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { createConsumer, createProducer, type ConsumerOptions, type WabridgeConsumer } from '../src/index.ts'
import { createRestartBudget } from '../src/consumer.ts'
import { connectedAdmin, createTopic, testKafka, uniqueName, waitFor } from './helpers.ts'
import type { TestContext } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'

const run = promisify(execFile)

test('the restart budget allows maxRestarts within the window and refills as restarts leave it', () => {
  let now = 1_000_000
  const budget = createRestartBudget({ maxRestarts: 2, windowMs: 60_000, clock: () => now })
  assert.equal(budget.take(), true)
  now += 10_000
  assert.equal(budget.take(), true)
  assert.equal(budget.take(), false, 'a third restart within the minute')
  now += 50_000 // the first restart is now exactly one window old: it no longer counts
  assert.equal(budget.take(), true)
  assert.equal(budget.take(), false)
  assert.equal(createRestartBudget({ maxRestarts: 0, windowMs: 60_000, clock: () => now }).take(), false, 'maxRestarts 0 allows none')
})

/** A consumer on a topic with one record, recording its crashes (restart flag) and onCrash calls. */
async function crashingConsumer (t: TestContext, kafka: Kafka, handler: () => Promise<void>, options: Partial<ConsumerOptions> = {}) {
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName('crash')
  await createTopic(admin, topic)
  const producer = createProducer(kafka)
  await producer.start()
  await producer.send([{ topic, value: 'boom' }])
  await producer.stop()
  const fatal: Error[] = []
  const crashes: boolean[] = []
  let joins = 0
  const consumer: WabridgeConsumer = createConsumer(kafka, {
    groupId: uniqueName('crash'), topics: [topic], fromBeginning: true, onCrash: (err) => fatal.push(err), ...options
  })
  consumer.kafkajs.on(consumer.kafkajs.events.CRASH, (e) => { crashes.push(e.payload.restart) })
  consumer.kafkajs.on(consumer.kafkajs.events.GROUP_JOIN, () => { joins++ })
  t.after(() => consumer.stop())
  await consumer.start({ eachMessage: handler })
  return { consumer, fatal, crashes, joins: () => joins }
}

test('a handler that throws a TypeError crashes the consumer for good: onCrash once, no restart', async (t) => {
  const c = await crashingConsumer(t, testKafka(), async () => { throw new TypeError('a bug') })
  await waitFor(() => c.fatal.length > 0, 30_000, 'onCrash')
  assert.deepEqual(c.crashes, [false])
  await c.consumer.stop()
  assert.equal(c.fatal.length, 1)
  assert.match(c.fatal[0]!.message, /crashed with a non-retriable error$/)
  assert.match(String((c.fatal[0]!.cause as Error).message), /a bug/)
})

test('retriable crashes restart the consumer until the budget is spent, then onCrash once', async (t) => {
  // A plain Error is retriable for kafkajs: retried in place, then the consumer crashes and restarts.
  const c = await crashingConsumer(t, testKafka(), async () => { throw new Error('handler keeps failing') }, { maxRestarts: 1 })
  await waitFor(() => c.fatal.length > 0, 90_000, 'onCrash')
  assert.deepEqual(c.crashes, [true, false], 'one restart, then the crash that spent the budget')
  assert.equal(c.joins(), 2, 'the restart joined the group again')
  await c.consumer.stop()
  assert.equal(c.fatal.length, 1)
  assert.match(c.fatal[0]!.message, /crashed again after 1 restart\(s\) within 600000 ms$/)
  assert.match(String((c.fatal[0]!.cause as Error).message), /handler keeps failing/)
})

test('a consumer without onCrash that dies for good throws an uncaught exception (the process exits non-zero)', async () => {
  // The child: the same consumer, no onCrash, a handler with a bug.
  const script = `
    import { createConsumer, createProducer } from './src/index.ts'
    import { connectedAdmin, createTopic, testKafka, uniqueName } from './src/testing.ts'
    const kafka = testKafka()
    const topic = uniqueName('crash')
    const admin = kafka.admin(); await admin.connect(); await createTopic(admin, topic); await admin.disconnect()
    const producer = createProducer(kafka); await producer.start(); await producer.send([{ topic, value: 'x' }]); await producer.stop()
    const consumer = createConsumer(kafka, { groupId: uniqueName('crash'), topics: [topic], fromBeginning: true })
    await consumer.start({ eachMessage: async () => { throw new TypeError('a bug') } })
    setInterval(() => {}, 1000)
  `
  const child = run(process.execPath, ['--conditions=source', '--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url).pathname, timeout: 60_000
  })
  const err: unknown = await child.then(() => undefined, (e: unknown) => e)
  assert.ok(err, 'the child exited with 0')
  const { code, stderr } = err as { code: number, stderr: string }
  assert.equal(code, 1, stderr)
  assert.match(stderr, /crashed with a non-retriable error/)
  assert.match(stderr, /\[cause\]: .*a bug/)
})

test('a start that failed (no broker to reach) can be tried again: the consumer is not left "started"', async () => {
  // A local port nothing listens on: connecting is refused at once.
  const closed = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
  const kafka = new Kafka({ clientId: 'absent', brokers: [`127.0.0.1:${closed}`], connectionTimeout: 200, retry: { retries: 0 }, logLevel: logLevel.NOTHING })
  const consumer = createConsumer(kafka, { groupId: uniqueName('absent'), topics: ['absent'] })
  for (const attempt of [1, 2]) {
    await assert.rejects(consumer.start({ eachMessage: async () => {} }), (err: Error) => {
      assert.doesNotMatch(err.message, /already started/, `attempt ${attempt}`)
      assert.match(`${err.name}: ${err.message}`, /Connection|ECONNREFUSED/, `attempt ${attempt}`)
      return true
    })
  }
  await consumer.stop()
})
