import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import Fastify from 'fastify'
import { adminTokenProblem, createAdminGuard, healthRoutes, isLoopbackHost, useErrorBody, type AdminGuardOptions } from '../src/index.ts'

/** A server with health routes, /metrics and one admin route, guarded as a whole. */
async function build (t: TestContext, options: Omit<AdminGuardOptions, 'prefix'>) {
  const app = Fastify()
  useErrorBody(app, { prefix: 'TEST' })
  app.addHook('onRequest', createAdminGuard({ ...options, prefix: 'TEST' }))
  await app.register(healthRoutes, { service: 'test', isStopping: () => false, checks: () => ({}) })
  app.get('/metrics', async () => 'metric 1\n')
  app.get('/v1/things', async () => ({ data: ['thing'] }))
  t.after(() => app.close())
  await app.ready()
  return app
}

test('isLoopbackHost knows loopback addresses from the others', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) {
    assert.equal(isLoopbackHost(host), true, host)
  }
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', '128.0.0.1', 'example.com', 'metrics', '::ffff:10.0.0.1', '']) {
    assert.equal(isLoopbackHost(host), false, host)
  }
})

test('adminTokenProblem asks for a token off loopback only, and refuses an empty one', () => {
  assert.equal(adminTokenProblem('127.0.0.1', undefined), undefined)
  assert.equal(adminTokenProblem('0.0.0.0', 's3cret'), undefined)
  assert.match(adminTokenProblem('0.0.0.0', undefined) ?? '', /required when the server is bound to 0\.0\.0\.0/)
  assert.match(adminTokenProblem('::', undefined) ?? '', /not loopback/)
  assert.equal(adminTokenProblem('127.0.0.1', ''), 'must not be empty')
})

test('off loopback, an admin route without a token is 401 with the error body and WWW-Authenticate', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: 's3cret' })
  const res = await app.inject({ url: '/v1/things' })
  assert.equal(res.statusCode, 401)
  assert.equal(res.headers['www-authenticate'], 'Bearer')
  assert.deepEqual(res.json(), { error: { code: 'TEST_UNAUTHORIZED', message: 'admin token required: Authorization: Bearer <token>' } })
})

test('a wrong token, another scheme or a token with extra words is 401', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: 's3cret' })
  for (const authorization of ['Bearer wrong', 'Bearer s3cret2', 'Bearer s3cre', 'Basic s3cret', 'Bearer s3cret extra', 's3cret', 'Bearer ']) {
    const res = await app.inject({ url: '/v1/things', headers: { authorization } })
    assert.equal(res.statusCode, 401, authorization)
    assert.equal(res.json().error.code, 'TEST_UNAUTHORIZED')
  }
})

test('the right bearer token opens admin routes (scheme in any case)', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: 's3cret' })
  for (const authorization of ['Bearer s3cret', 'bearer s3cret', 'BEARER  s3cret']) {
    const res = await app.inject({ url: '/v1/things?x=1', headers: { authorization } })
    assert.equal(res.statusCode, 200, authorization)
    assert.deepEqual(res.json(), { data: ['thing'] })
  }
})

test('health routes and /metrics stay open without a token', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: 's3cret' })
  for (const url of ['/healthz', '/readyz', '/metrics', '/readyz?verbose=1']) {
    const res = await app.inject({ url })
    assert.equal(res.statusCode, 200, url)
  }
})

test('an unknown route answers 401 before 404, so routes are not revealed', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: 's3cret' })
  assert.equal((await app.inject({ url: '/v1/nothing' })).statusCode, 401)
  const res = await app.inject({ url: '/v1/nothing', headers: { authorization: 'Bearer s3cret' } })
  assert.equal(res.statusCode, 404)
  assert.equal(res.json().error.code, 'TEST_NOT_FOUND')
})

test('on loopback without a token admin routes are open', async (t) => {
  const app = await build(t, { host: '127.0.0.1', token: undefined })
  assert.equal((await app.inject({ url: '/v1/things' })).statusCode, 200)
})

test('on loopback a configured token is still required', async (t) => {
  const app = await build(t, { host: '127.0.0.1', token: 's3cret' })
  assert.equal((await app.inject({ url: '/v1/things' })).statusCode, 401)
  assert.equal((await app.inject({ url: '/v1/things', headers: { authorization: 'Bearer s3cret' } })).statusCode, 200)
})

test('off loopback without a token admin routes fail closed with 403, health stays open', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: undefined })
  const res = await app.inject({ url: '/v1/things', headers: { authorization: 'Bearer anything' } })
  assert.equal(res.statusCode, 403)
  assert.equal(res.json().error.code, 'TEST_ADMIN_TOKEN_MISSING')
  assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
})

test('scoped to a plugin, the guard covers only the routes inside it', async (t) => {
  const app = Fastify()
  t.after(() => app.close())
  app.get('/v20.0/123/messages', async () => ({ ok: true }))
  await app.register(async (admin) => {
    admin.addHook('onRequest', createAdminGuard({ host: '::', token: 's3cret', prefix: 'SIM', openPaths: [] }))
    admin.post('/faults', async () => ({ ok: true }))
  }, { prefix: '/_sim' })
  assert.equal((await app.inject({ url: '/v20.0/123/messages', headers: { authorization: 'Bearer meta-token' } })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/_sim/faults' })).statusCode, 401)
  assert.equal((await app.inject({ method: 'POST', url: '/_sim/faults', headers: { authorization: 'Bearer s3cret' } })).statusCode, 200)
})

test('over a real socket, a refused request gets 401 with the header and body', async (t) => {
  const app = await build(t, { host: '0.0.0.0', token: 's3cret' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  assert.ok(address && typeof address === 'object')
  const res = await fetch(`http://127.0.0.1:${address.port}/v1/things`, { method: 'GET', headers: { authorization: 'Bearer nope' } })
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('www-authenticate'), 'Bearer')
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'TEST_UNAUTHORIZED')
})
