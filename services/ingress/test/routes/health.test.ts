import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Pool, request } from 'undici'
import { createLogger } from '@wabridge/telemetry'
import { signWebhookBody } from '@wabridge/webhook-signature'
import { createIngress } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { messageFixtures, messageWebhook } from '../fixtures/webhooks.ts'
import { APP_SECRET, testEnv } from '../helpers.ts'

test('/healthz answers while alive; /readyz only between start and stop', async (t) => {
  const ingress = createIngress(loadConfig(testEnv()), { logger: createLogger({ level: 'silent', name: 'test' }) })
  t.after(() => ingress.stop())
  const before = await ingress.server.inject('/readyz')
  assert.equal(before.statusCode, 503)
  assert.equal((await ingress.server.inject('/healthz')).statusCode, 200)

  await ingress.start()
  assert.equal(ingress.isReady(), true)
  const ready = await request(`${ingress.url}/readyz`)
  assert.equal(ready.statusCode, 200)
  assert.deepEqual(await ready.body.json(), {
    status: 'ready', service: 'ingress', checks: { started: { ok: true }, kafka: { ok: true, detail: 'producer connected' } }
  })
  const healthy = await request(`${ingress.url}/healthz`)
  assert.equal(healthy.statusCode, 200)
  assert.deepEqual(await healthy.body.json(), { status: 'ok', service: 'ingress', checks: {} })

  // Not ready from the moment stop() begins, while the server still answers (it drains).
  const stopped = ingress.stop()
  assert.equal(ingress.isReady(), false)
  const stopping = await ingress.server.inject('/readyz')
  assert.deepEqual([stopping.statusCode, stopping.json().status], [503, 'stopping'])
  await stopped
  assert.equal(ingress.isReady(), false)
  await ingress.stop()
})

test('stop() before start() is safe and idempotent', async (t) => {
  const ingress = createIngress(loadConfig(testEnv()), { logger: createLogger({ level: 'silent', name: 'test' }) })
  await ingress.stop()
  await ingress.stop()
  assert.equal(ingress.isReady(), false)
  t.after(() => ingress.stop())
})

test('stop() lets a webhook in flight on a keep-alive connection finish, then closes that connection promptly', async (t) => {
  const config = loadConfig(testEnv({ PRODUCE_LINGER_MS: '300' }))
  const ingress = createIngress(config, { logger: createLogger({ level: 'silent', name: 'test' }) })
  t.after(() => ingress.stop())
  await ingress.start()
  const pool = new Pool(ingress.url!, { connections: 1, keepAliveTimeout: 60_000 })
  t.after(() => pool.destroy())
  const warm = await pool.request({ path: '/healthz', method: 'GET' })
  await warm.body.dump()

  const body = Buffer.from(JSON.stringify(messageWebhook(messageFixtures().text!)))
  const inFlight = pool.request({
    path: '/webhook', method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) }
  })
  await new Promise((resolve) => setTimeout(resolve, 100))
  const started = Date.now()
  const stopped = ingress.stop()
  const reply = await inFlight
  assert.equal(reply.statusCode, 200)
  assert.equal(reply.headers.connection, 'close')
  await reply.body.dump()
  await stopped
  assert.ok(Date.now() - started < 5000, `stop() took ${Date.now() - started} ms`)
})
