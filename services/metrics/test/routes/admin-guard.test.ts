import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { createLogger } from '@wabridge/telemetry'
import { loadConfig } from '../../src/config.ts'
import type { QueryView } from '../../src/api/query-view.ts'
import { buildServer } from '../../src/api/server.ts'
import { createViewIndex } from '../../src/changelog/view-index.ts'

function build (t: TestContext, host: string, adminToken: string | undefined) {
  const index = createViewIndex()
  const view: QueryView = { totals: () => index.totals, numbers: () => new Map(), reach: () => ({ byNumber: new Map(), byWaba: new Map(), byPortfolio: new Map() }), alerts: () => [] }
  const app = buildServer({ logger: createLogger({ level: 'silent', name: 'test' }), view, checks: () => ({ started: { ok: true } }), isStopping: () => false, host, adminToken })
  t.after(() => app.close())
  return app
}

const USAGE = '/v1/usage?start=1795514400&end=1795518000&granularity=DAILY'

test('bound off loopback, the query API needs the admin token; health stays open', async (t) => {
  const app = build(t, '0.0.0.0', 'metrics-admin-token')
  for (const url of [USAGE, '/v1/alerts']) {
    const res = await app.inject(url)
    assert.equal(res.statusCode, 401, url)
    assert.equal(res.headers['www-authenticate'], 'Bearer')
    assert.equal(res.json().error.code, 'METRICS_UNAUTHORIZED')
    assert.equal((await app.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode, 401, url)
    assert.equal((await app.inject({ url, headers: { authorization: 'Bearer metrics-admin-token' } })).statusCode, 200, url)
  }
  assert.equal((await app.inject('/healthz')).statusCode, 200)
  assert.equal((await app.inject('/readyz')).statusCode, 200)
})

test('bound to loopback without a token, the query API is open as before', async (t) => {
  const app = build(t, '127.0.0.1', undefined)
  assert.equal((await app.inject('/v1/alerts')).statusCode, 200)
})

test('bound off loopback without METRICS_ADMIN_TOKEN, the service starts but its query API answers 403', async (t) => {
  const config = loadConfig({ METRICS_HOST: '0.0.0.0' })
  assert.equal(config.METRICS_ADMIN_TOKEN, undefined)
  const app = build(t, config.METRICS_HOST, config.METRICS_ADMIN_TOKEN)
  const res = await app.inject({ url: '/v1/alerts', headers: { authorization: 'Bearer guess' } })
  assert.equal(res.statusCode, 403)
  assert.equal(res.json().error.code, 'METRICS_ADMIN_TOKEN_MISSING')
  assert.equal((await app.inject('/readyz')).statusCode, 200)
})

test('METRICS_ADMIN_TOKEN is a secret: it may come from METRICS_ADMIN_TOKEN_FILE', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'metrics-token-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'token'), 'from-a-file\n')
  assert.equal(loadConfig({ METRICS_HOST: '0.0.0.0', METRICS_ADMIN_TOKEN_FILE: join(dir, 'token') }).METRICS_ADMIN_TOKEN, 'from-a-file')
})
