/**
 * CPU per request of the ingress's fastify server without sockets (fastify inject), against a
 * bare fastify endpoint measured the same way, and against the ingress route with a publisher that
 * does nothing: separates fastify's fixed cost, the server's hooks, logger and span, and the
 * publish path. Sequential, so it measures cost, not concurrency.
 *
 *   node --conditions=source test/bench/ingress/inject.ts [--requests 50000]
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { metrics, trace } from '@opentelemetry/api'
import Fastify, { type FastifyInstance } from 'fastify'
import { createLogger } from '@wabridge/telemetry'
import { createIngressMetrics } from '../../../services/ingress/src/metrics.ts'
import { buildServer } from '../../../services/ingress/src/server.ts'
import type { WebhookPublisher } from '../../../services/ingress/src/webhook-publisher.ts'
import { createInstantPublisher } from './instant-publisher.ts'
import { createWebhookFactory } from './webhooks.ts'

const { values } = parseArgs({ options: { requests: { type: 'string', default: '50000' } } })
const n = Number(values.requests)
const SECRET = 'bench-app-secret'

function ingressServer (publisher: WebhookPublisher): FastifyInstance {
  const meter = metrics.getMeter('bench')
  return buildServer({
    logger: createLogger({ level: 'warn', name: 'bench' }),
    maxBodyBytes: 3 * 1024 * 1024,
    retryAfterS: 5,
    trustProxy: false,
    connections: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 72_000, maxConnections: 1024 },
    metrics: createIngressMetrics(meter),
    checks: () => ({}),
    isClosing: () => false,
    webhook: { verifyToken: 'v', appSecrets: [SECRET], maxJsonDepth: 64, publisher, tracer: trace.getTracer('bench'), now: Date.now }
  })
}

const nothing: WebhookPublisher = { publish: async (records) => ({ published: records.length, duplicates: 0 }) }
const instant = createInstantPublisher()
const bare = Fastify({ logger: false })
bare.post('/webhook', async () => ({ status: 'accepted' }))

async function measure (name: string, app: FastifyInstance): Promise<void> {
  await app.ready()
  const next = createWebhookFactory(SECRET)
  const webhooks = Array.from({ length: n }, next)
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (const { body, signature } of webhooks) {
    const res = await app.inject({ method: 'POST', url: '/webhook', payload: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } })
    if (res.statusCode !== 200) throw new Error(`${name}: ${res.statusCode} ${res.body}`)
  }
  const used = process.cpuUsage(cpu)
  console.log(`${name.padEnd(28)} ${((performance.now() - started) * 1000 / n).toFixed(1).padStart(6)} µs wall, ${((used.user + used.system) / n).toFixed(1).padStart(6)} µs CPU per request`)
}

for (let round = 0; round < 2; round++) {
  await measure('bare fastify', bare)
  await measure('ingress, publish nothing', ingressServer(nothing))
  await measure('ingress, instant producer', ingressServer(instant))
}
