import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '@wabridge/telemetry'
import { createIngress } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { testEnv, VERIFY_TOKEN } from '../helpers.ts'

// The handshake needs no broker: fastify inject() on an app that was never started.
function build () {
  return createIngress(loadConfig(testEnv()), { logger: createLogger({ level: 'silent', name: 'test' }) })
}

test('the verification handshake answers hub.challenge as plain text for the right token', async (t) => {
  const ingress = build()
  t.after(() => ingress.stop())
  const reply = await ingress.server.inject({ url: '/webhook', query: { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1158201444' } })
  assert.equal(reply.statusCode, 200)
  assert.equal(reply.body, '1158201444')
  assert.match(String(reply.headers['content-type']), /^text\/plain/)
})

test('the verification handshake answers 403 for a wrong token, mode or a missing parameter', async (t) => {
  const ingress = build()
  t.after(() => ingress.stop())
  const cases: Record<string, Record<string, string>> = {
    'wrong token': { 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '1' },
    'token prefix': { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN.slice(0, -1), 'hub.challenge': '1' },
    'wrong mode': { 'hub.mode': 'unsubscribe', 'hub.verify_token': VERIFY_TOKEN, 'hub.challenge': '1' },
    'no token': { 'hub.mode': 'subscribe', 'hub.challenge': '1' },
    'no challenge': { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY_TOKEN },
    nothing: {}
  }
  for (const [name, query] of Object.entries(cases)) {
    const reply = await ingress.server.inject({ url: '/webhook', query })
    assert.equal(reply.statusCode, 403, name)
    assert.ok(!reply.body.includes(VERIFY_TOKEN), name)
  }
})

test('a repeated hub.* parameter answers 400 with the error body, never 500, and does not echo the token', async (t) => {
  const ingress = build()
  t.after(() => ingress.stop())
  const ok = { mode: 'hub.mode=subscribe', token: `hub.verify_token=${VERIFY_TOKEN}`, challenge: 'hub.challenge=1158201444' }
  const cases: Record<string, string[]> = {
    'hub.mode twice': [ok.mode, 'hub.mode=unsubscribe', ok.token, ok.challenge],
    'hub.mode twice, same value': [ok.mode, ok.mode, ok.token, ok.challenge],
    'hub.verify_token twice': [ok.mode, ok.token, 'hub.verify_token=guess', ok.challenge],
    'hub.challenge twice': [ok.mode, ok.token, ok.challenge, 'hub.challenge=2']
  }
  for (const [name, params] of Object.entries(cases)) {
    const reply = await ingress.server.inject({ url: `/webhook?${params.join('&')}` })
    assert.equal(reply.statusCode, 400, name)
    const field = name.split(' ')[0]
    assert.deepEqual(reply.json(), { error: { code: 'INGRESS_QUERY_INVALID', message: `${field} must be given once` } }, name)
    assert.ok(!reply.body.includes(VERIFY_TOKEN), name)
  }
})
