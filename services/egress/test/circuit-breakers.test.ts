import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { registerAdminRoutes } from '../src/admin-routes.ts'
import { breakerAlert } from '../src/breaker-alerts.ts'
import { CircuitBreakers, type BreakerChange } from '../src/circuit-breakers.ts'
import { loadConfig } from '../src/config.ts'
import { numberState } from '../src/number-states.ts'

function setup (options: { base?: number, max?: number } = {}) {
  let now = 1_000_000
  const wabas: Record<string, string> = { A: 'W1', C: 'W1', B: 'W2' }
  const tokens: Record<string, string> = { A: 'tA', B: 'tShared', C: 'tShared' }
  const breakers = new CircuitBreakers({
    probeBaseMs: options.base ?? 1000,
    probeMaxMs: options.max ?? 5000,
    clock: () => now,
    wabaOf: (n) => wabas[n],
    tokenOf: (n) => tokens[n],
    keysFor: (n) => [`number:${n}`, ...(wabas[n] ? [`waba:${wabas[n]}`] : []), ...(tokens[n] ? [`token:${tokens[n]}`] : [])]
  })
  const changes: BreakerChange[] = []
  breakers.onChange((c) => changes.push(c))
  return { breakers, changes, advance: (ms: number) => { now += ms }, now: () => now }
}

test('a breaker probes once per backoff, doubling up to the cap, and closes on a passing probe', () => {
  const { breakers, changes, advance, now } = setup()
  assert.deepEqual(breakers.admit('A'), { kind: 'go' })
  breakers.tripped('A', { scope: 'number', code: 33, reason: 'deleted' }, false)
  assert.equal(changes[0]?.type, 'opened')
  assert.deepEqual(breakers.admit('B'), { kind: 'go' })
  const waits: number[] = []
  for (let i = 0; i < 5; i++) {
    const admission = breakers.admit('A')
    assert.equal(admission.kind, 'wait')
    const until = (admission as { until: number }).until
    waits.push(until - now())
    advance(until - now() - 1)
    assert.equal(breakers.admit('A').kind, 'wait')
    advance(1)
    assert.deepEqual(breakers.admit('A'), { kind: 'probe' })
    // One probe at a time.
    assert.deepEqual(breakers.admit('A'), { kind: 'wait', until: Infinity })
    breakers.tripped('A', { scope: 'number', code: 33, reason: 'deleted' }, true)
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 5000, 5000])
  assert.equal(changes.filter((c) => c.type === 'rearmed').length, 5)
  advance(5000)
  assert.deepEqual(breakers.admit('A'), { kind: 'probe' })
  assert.deepEqual(breakers.probeSucceeded('A').map((b) => b.key), ['number:A'])
  assert.deepEqual(breakers.admit('A'), { kind: 'go' })
  assert.equal(changes.at(-1)?.type, 'closed')
})

test('the first probe waits at least the error\'s own wait, capped; a passing probe closes every breaker of the number', () => {
  const { breakers, changes, advance } = setup({ base: 1000, max: 60_000 })
  breakers.tripped('A', { scope: 'waba', code: 131048, reason: 'spam', floorMs: 3_600_000 }, false)
  assert.deepEqual(breakers.admit('C'), { kind: 'wait', until: 1_060_000 })
  advance(60_000)
  assert.deepEqual(breakers.admit('C'), { kind: 'probe' })
  assert.deepEqual(breakers.admit('A'), { kind: 'wait', until: Infinity })
  breakers.probeSucceeded('C')
  assert.deepEqual(changes.map((c) => c.type), ['opened', 'closed'])
  assert.deepEqual(breakers.admit('A'), { kind: 'go' })
})

test('a token breaker stops every number using the token; an inconclusive probe lets another go at once; resume closes at once', () => {
  const { breakers, advance } = setup()
  breakers.tripped('B', { scope: 'token', code: 190, reason: 'expired' }, false)
  assert.equal(breakers.isBlocked('C'), true)
  assert.equal(breakers.isBlocked('A'), false)
  advance(1000)
  assert.deepEqual(breakers.admit('B'), { kind: 'probe' })
  breakers.probeInconclusive('B')
  assert.deepEqual(breakers.admit('C'), { kind: 'probe' })
  const closed = breakers.resume('C')
  assert.deepEqual(closed.map((b) => b.key), ['token:tShared'])
  assert.equal(breakers.isBlocked('B'), false)
  breakers.tripped('A', { scope: 'waba', code: 131042, reason: 'payment' }, false)
  assert.deepEqual(breakers.resume('W1').map((b) => b.key), ['waba:W1'])
})

test('a breaker\'s alert fires on opening and resolves with the same id; the number\'s state names the breaker', () => {
  const { breakers, changes, advance } = setup()
  const b = breakers.tripped('A', { scope: 'waba', code: 131042, reason: 'payment' }, false)
  const state = numberState({ phoneNumberId: 'C', wabaId: 'W1', instance: 'e1', blockers: breakers.blockers('C'), rate: { mps: 80, source: 'configured' }, backlog: 7, now: 5 })
  assert.deepEqual([state.state, state.breaker_scope, state.breaker_code, state.open_since, state.backlog], ['open', 'waba', 131042, b.since, 7])
  advance(500)
  breakers.resume('A')
  const [firing, resolved] = changes.map((c) => breakerAlert(c, 'e1', () => 'W1'))
  assert.equal(firing?.state, 'firing')
  assert.equal(firing?.scope, 'waba:W1')
  assert.equal(firing?.waba_id, 'W1')
  assert.equal(resolved?.state, 'resolved')
  assert.equal(resolved?.alert_id, firing?.alert_id)
  assert.equal(resolved?.labels.resolved_by, 'operator')
  assert.equal(resolved!.at - firing!.at, 500)
})

test('the admin endpoints need EGRESS_ADMIN_TOKEN when set (and a token off loopback); health stays open', async (t) => {
  assert.throws(() => loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092', EGRESS_HOST: '0.0.0.0' }), /EGRESS_ADMIN_TOKEN/)
  const app = Fastify()
  t.after(() => app.close())
  const { breakers } = setup()
  breakers.tripped('A', { scope: 'number', code: 33, reason: 'deleted' }, false)
  registerAdminRoutes(app, { host: '0.0.0.0', token: 'secret', numbers: () => [], resume: (id) => breakers.resume(id) })
  app.get('/healthz', async () => ({ ok: true }))
  assert.equal((await app.inject({ url: '/numbers' })).statusCode, 401)
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  assert.deepEqual((await app.inject({ url: '/numbers', headers: { authorization: 'Bearer secret' } })).json(), { numbers: [] })
  const resumed = await app.inject({ method: 'POST', url: '/numbers/A/resume', headers: { authorization: 'Bearer secret' } })
  assert.equal(resumed.json().resumed[0].key, 'number:A')
})
