import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'
import { messageFixtures, messageWebhook } from './fixtures/webhooks.ts'
import { freezeProcess } from './freeze-process.ts'
import { buildTestIngress, readTopics, toBody } from './helpers.ts'

// A private broker frozen with SIGSTOP (a long GC pause): the shared one would stall tests running in parallel.
test('a webhook refused while the broker stalls is produced again on Meta\'s retry, never dropped as seen, and every copy has the same event id', { timeout: 180_000 }, async (t) => {
  const local = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), 'wabridge-ingress-stall-')), basePort: await findFreePorts(2) })
  const pid = async () => (await local.status())[0]!.pid!
  let isPaused = false
  t.after(async () => {
    if (isPaused) process.kill(await pid(), 'SIGCONT')
    await local.stop()
    await local.destroy()
  })
  await local.start()
  // Short request timeout and retry budget: the producer gives up while the broker is frozen.
  const app = await buildTestIngress(t, {
    env: { KAFKA_BROKERS: local.brokers.join(','), PRODUCE_TIMEOUT_MS: '1000', PRODUCE_REQUEST_TIMEOUT_MS: '1000', PRODUCE_MAX_RETRY_MS: '1000' }
  })
  const message = messageFixtures().text!
  const body = toBody(messageWebhook(message))
  assert.equal((await app.post(messageWebhook(messageFixtures().image!))).status, 200)

  isPaused = true
  await freezeProcess(await pid())
  const refused = await app.post(body)
  assert.equal(refused.status, 503)
  // Frozen until long after the producer gave up on the records (they may still land once the broker resumes).
  await sleep(10_000)
  process.kill(await pid(), 'SIGCONT')
  isPaused = false

  // Meta's retry: produced again (the failed attempt never entered the dedup cache), not answered from it.
  let retry = await app.post(body)
  for (let i = 0; retry.status !== 200 && i < 60; i++) {
    await sleep(500)
    retry = await app.post(body)
  }
  assert.equal(retry.status, 200, retry.text)
  // Produced by this retry, or by an earlier one that was answered 503 at PRODUCE_TIMEOUT_MS but whose
  // records Kafka acknowledged afterwards (a busy machine): either way both records are accounted for.
  const answer = JSON.parse(retry.text) as { status: string, records: number, duplicates: number }
  assert.equal(answer.status, 'accepted')
  assert.equal(answer.records + answer.duplicates, 2, retry.text)
  // A further retry is a duplicate now that Kafka acknowledged it.
  assert.deepEqual(JSON.parse((await app.post(body)).text), { status: 'accepted', records: 0, duplicates: 2 })

  const stored = await readTopics(app.kafka, app.admin, [app.topics.inboundMessages, app.topics.inboundRaw], 30_000)
  const copies = stored[app.topics.inboundMessages]!.filter((r) => r.headers['event-id'] === message.id)
  assert.ok(copies.length >= 1 && copies.length <= 2, `${copies.length} copies`)
  const rawCopies = stored[app.topics.inboundRaw]!.filter((r) => r.value.includes(body))
  assert.equal(new Set(rawCopies.map((r) => r.headers['event-id'])).size, 1, 'copies of one body with different event ids')
  assert.equal(rawCopies.length, copies.length)
})
