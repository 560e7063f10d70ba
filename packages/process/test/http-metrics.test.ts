import assert from 'node:assert/strict'
import { test } from 'node:test'
import Fastify from 'fastify'
import { httpRequestsProbe } from '../src/testing.ts'
import { recordHttpRequests } from '../src/http-metrics.ts'

test('every answered request is counted and timed by method, route pattern and status code; a path\'s id is never a label', async (t) => {
  const probe = httpRequestsProbe()
  const app = Fastify()
  t.after(() => app.close())
  recordHttpRequests(app, probe.meter)
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/slow', async () => { await new Promise((resolve) => setTimeout(resolve, 120)); return { ok: true } })
  app.get('/broken', async () => { throw new Error('boom') })
  await app.ready()

  assert.equal((await app.inject({ method: 'GET', url: '/items/a-1' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/items/b-2' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'POST', url: '/slow' })).statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: '/broken' })).statusCode, 500)
  assert.equal((await app.inject({ method: 'GET', url: '/no/such/path-9' })).statusCode, 404)

  const counted = await probe.counted()
  assert.deepEqual(Object.fromEntries(Object.entries(counted).map(([k, v]) => [k, [v.requests, v.durations]])), {
    'GET /items/:id 200': [2, 2],
    'POST /slow 200': [1, 1],
    'GET /broken 500': [1, 1],
    'GET unmatched 404': [1, 1]
  })
  assert.ok(counted['POST /slow 200']!.seconds >= 0.1, `the duration is the request's, in seconds: ${counted['POST /slow 200']!.seconds}`)
  assert.ok(counted['GET /items/:id 200']!.seconds < 0.1)
})
