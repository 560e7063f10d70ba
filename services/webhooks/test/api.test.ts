import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../src/index.ts'
import { startWebhooks, testEnv } from './helpers.ts'

const TOKEN = 'test-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }

test('the subscriptions API creates, lists, rotates, disables, enables and removes, behind the admin token', async (t) => {
  const app = await startWebhooks(t, testEnv({ WEBHOOKS_ADMIN_TOKEN: TOKEN }))
  const { server } = app

  const anonymous = await server.inject({ method: 'GET', url: '/v1/subscriptions' })
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.json().error.code, 'WEBHOOKS_UNAUTHORIZED')
  assert.equal((await server.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)

  const created = await server.inject({ method: 'POST', url: '/v1/subscriptions', headers: auth, payload: { url: 'https://crm.example.com/hook', event_types: ['message.status'], phone_number_ids: ['106540352242922'] } })
  assert.equal(created.statusCode, 201)
  const sub = created.json()
  assert.match(sub.subscription_id, /^sub_[0-9a-f]{24}$/)
  assert.match(sub.secrets[0].secret, /^whsec_[A-Za-z0-9+/]{43}=$/)
  assert.deepEqual([sub.event_types, sub.phone_number_ids, sub.enabled], [['message.status'], ['106540352242922'], true])

  const listed = (await server.inject({ method: 'GET', url: '/v1/subscriptions', headers: auth })).json()
  assert.equal(listed.subscriptions.length, 1)
  assert.equal(listed.subscriptions[0].secrets[0].secret, `${sub.secrets[0].secret.slice(0, 10)}…`)

  const rotated = (await server.inject({ method: 'POST', url: `/v1/subscriptions/${sub.subscription_id}/rotate-secret`, headers: auth, payload: { expire_old_in_ms: 1000 } })).json()
  assert.equal(rotated.secrets.length, 2)
  assert.equal(rotated.secrets[0].secret, sub.secrets[0].secret)
  assert.ok(rotated.secrets[0].expires_at > Date.now())
  assert.equal(rotated.secrets[1].expires_at, null)

  const disabled = (await server.inject({ method: 'POST', url: `/v1/subscriptions/${sub.subscription_id}/disable`, headers: auth })).json()
  assert.deepEqual([disabled.enabled, disabled.disabled_reason], [false, 'disabled by an operator'])
  const enabled = (await server.inject({ method: 'POST', url: `/v1/subscriptions/${sub.subscription_id}/enable`, headers: auth })).json()
  assert.deepEqual([enabled.enabled, enabled.disabled_at], [true, null])

  const replay = await server.inject({ method: 'POST', url: `/v1/subscriptions/${sub.subscription_id}/replay`, headers: auth, payload: { dry_run: true } })
  assert.deepEqual(replay.json(), { scanned: 0, replayed: 0 })

  assert.equal((await server.inject({ method: 'DELETE', url: `/v1/subscriptions/${sub.subscription_id}`, headers: auth })).statusCode, 204)
  const gone = await server.inject({ method: 'GET', url: `/v1/subscriptions/${sub.subscription_id}`, headers: auth })
  assert.equal(gone.statusCode, 404)
  assert.equal(gone.json().error.code, 'WEBHOOKS_NOT_FOUND')
})

test('bad subscriptions are 400 with the shared error body', async (t) => {
  const app = await startWebhooks(t, testEnv())
  for (const payload of [{ url: 'ftp://crm.example.com/x' }, { url: 'https://u:p@crm.example.com/x' }, { url: 'https://crm.example.com', event_types: ['message.sent'] }, { url: 'https://crm.example.com', extra: 1 }, { url: 'https://crm.example.com', phone_number_ids: ['abc'] }]) {
    const res = await app.server.inject({ method: 'POST', url: '/v1/subscriptions', payload })
    assert.equal(res.statusCode, 400, JSON.stringify(payload))
    assert.equal(res.json().error.code, 'WEBHOOKS_INVALID_SUBSCRIPTION')
  }
  assert.equal(app.admin.list().length, 0)
})

test('an admin token is required off loopback', () => {
  assert.throws(() => loadConfig({ WEBHOOKS_HOST: '0.0.0.0' }), /WEBHOOKS_ADMIN_TOKEN/)
  assert.equal(loadConfig({ WEBHOOKS_HOST: '0.0.0.0', WEBHOOKS_ADMIN_TOKEN: 'x' }).WEBHOOKS_PORT, 8085)
})
