import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { Kafka, logLevel } from 'kafkajs'
import { createProducer, KafkaPublishError, type WabridgeProducer } from '@wabridge/kafka'
import { testKafka } from '@wabridge/kafka/testing'
import { buildTestApi, collectTopic, NUMBER_A1, textRequest, waitFor, WABA_A } from './helpers.ts'

/** A client of a broker that is not there, which gives up connecting fast (the test process ends sooner). */
async function absentKafka (): Promise<Kafka> {
  return new Kafka({ brokers: [`127.0.0.1:${await closedPort()}`], clientId: 'absent', connectionTimeout: 200, retry: { retries: 1, initialRetryTime: 100 }, logLevel: logLevel.NOTHING })
}

/** A local port nothing listens on. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

test('with Kafka unreachable the API listens, is not ready, and answers 503 with Retry-After', async (t) => {
  const h = await buildTestApi(t, { env: { API_RETRY_AFTER_S: '7' }, deps: { kafka: await absentKafka() }, waitCaughtUp: false })
  assert.equal((await h.call('GET', '/healthz')).status, 200)
  const ready = await h.call('GET', '/readyz')
  assert.deepEqual([ready.status, ready.body.status], [503, 'not_ready'])
  for (const reply of [
    await h.call('POST', '/v1/messages', { key: 'wab_k0123456789abcdef_x', body: textRequest(NUMBER_A1) }),
    await h.call('GET', `/v1/messages/${randomUUID()}`)
  ]) {
    assert.equal(reply.status, 503)
    assert.equal(reply.body.error.code, 'API_UNAVAILABLE')
    assert.equal(reply.headers.get('retry-after'), '7')
  }
})

test('a POST Kafka cannot take is 503 naming its request_id (nothing written: retry with the same id)', async (t) => {
  const h = await buildTestApi(t, { deps: { producerKafka: await absentKafka() } })
  const { key } = await h.createKey({ wabas: [WABA_A] })
  assert.equal((await h.call('GET', '/readyz')).body.checks.producer.ok, false)
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  assert.equal(reply.status, 503)
  assert.equal(reply.body.error.code, 'API_UNAVAILABLE')
  assert.match(reply.body.error.request_id, /^[0-9a-f-]{36}$/)
  assert.equal(reply.body.error.maybe_written, false)
  assert.equal(reply.headers.get('retry-after'), '5')
  const given = randomUUID()
  const withId = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: given }) })
  assert.deepEqual([withId.status, withId.body.error.request_id], [503, given])
  // Nothing was written, so the id is still free.
  assert.equal((await h.call('GET', `/v1/messages/${given}`, { key })).status, 404)
})

test('a POST whose record Kafka did not confirm in time is 503 maybe_written; the retry with the same id is 202 and egress sees one request id', async (t) => {
  // A real producer whose first send is reported as timed out after the record was handed to Kafka.
  const real = createProducer(testKafka())
  let sends = 0
  const producer: WabridgeProducer = {
    get isConnected () { return real.isConnected },
    start: () => real.start(),
    stop: () => real.stop(),
    stats: () => real.stats(),
    async send (records, options) {
      const written = await real.send(records, options)
      if (sends++ === 0) throw new KafkaPublishError('KAFKA_PUBLISH_TIMEOUT', 'not acknowledged in time')
      return written
    }
  }
  const h = await buildTestApi(t, { deps: { producer } })
  const { key } = await h.createKey({ wabas: [WABA_A] })
  const requests = await collectTopic(t, h.kafka, h.topics.requests)
  const first = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  assert.equal(first.status, 503)
  assert.equal(first.body.error.maybe_written, true)
  const requestId = first.body.error.request_id as string
  const retry = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: requestId }) })
  assert.deepEqual([retry.status, retry.body.request_id], [202, requestId])
  // Whether the retry found the first record or wrote a second copy, every copy carries the one id.
  await waitFor(() => requests.length >= 1, 20_000, 'the request record')
  assert.ok(requests.every((r) => r.eventId === requestId))
  assert.equal((await h.call('GET', `/v1/messages/${requestId}`, { key })).body.state, 'queued')
})
