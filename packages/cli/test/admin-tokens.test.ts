import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type TestContext } from 'node:test'
import { usage } from '../src/commands/usage.ts'
import { simulate } from '../src/commands/simulate.ts'

/** An HTTP server that answers 401 without `Bearer <token>`, and records the headers it saw. */
async function guarded (t: TestContext, token: string, body: object): Promise<{ url: string, seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    const ok = req.headers.authorization === `Bearer ${token}`
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ok ? body : { error: { code: 'UNAUTHORIZED', message: 'a bearer token is needed' } }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

test('usage sends the metrics admin token as a bearer token, and says what the service refused without it', async (t) => {
  const metrics = await guarded(t, 'metrics-secret', { data: [] })
  const base = { metrics: metrics.url, number: '106540352242922', granularity: 'DAILY', json: true }
  await assert.rejects(usage(base), /metrics refused the query: a bearer token is needed/)
  const out = t.mock.method(process.stdout, 'write', () => true)
  assert.equal(await usage({ ...base, metricsToken: 'metrics-secret' }), 0)
  out.mock.restore()
  assert.deepEqual(metrics.seen.map((h) => h.authorization), [undefined, 'Bearer metrics-secret'])
})

test('simulate sends the simulator admin token on every control call', async (t) => {
  const sim = await guarded(t, 'sim-secret', { id: 'run-1', inbound: 3 })
  const base = { sim: sim.url, number: '106540352242922', rate: '5', seconds: '0.1' }
  await assert.rejects(simulate(base), /the simulator refused/)
  const out = t.mock.method(process.stdout, 'write', () => true)
  const err = t.mock.method(process.stderr, 'write', () => true)
  assert.equal(await simulate({ ...base, simToken: 'sim-secret' }), 0)
  out.mock.restore()
  err.mock.restore()
  assert.deepEqual(sim.seen.map((h) => h.authorization), [undefined, 'Bearer sim-secret', 'Bearer sim-secret'])
})
