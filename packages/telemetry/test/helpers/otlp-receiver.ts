import type { TestContext } from 'node:test'
import { fastify } from 'fastify'

/** One OTLP export request as received. */
export interface OtlpRequest {
  path: string
  contentType: string
  body: Buffer
}

interface JsonSpans { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name: string }> }> }> }
interface JsonMetrics { resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string }> }> }> }

/**
 * A tiny OTLP/HTTP receiver on a free loopback port: accepts `/v1/traces` and `/v1/metrics` as
 * JSON or protobuf, answers 200 with an empty body (a full success in OTLP) and keeps every request.
 */
export async function startOtlpReceiver (t: TestContext) {
  const requests: OtlpRequest[] = []
  const app = fastify()
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 16 * 1024 * 1024 }, (_req, body, done) => done(null, body))
  for (const signal of ['traces', 'metrics']) {
    app.post(`/v1/${signal}`, async (req, reply) => {
      requests.push({ path: req.url, contentType: String(req.headers['content-type'] ?? ''), body: req.body as Buffer })
      return reply.code(200).header('content-type', 'application/json').send('{}')
    })
  }
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  t.after(() => app.close())
  const json = (path: string) => requests.filter((r) => r.path === path && r.contentType.startsWith('application/json')).map((r) => JSON.parse(r.body.toString('utf8')) as unknown)
  return {
    url,
    requests,
    /** Names of the spans received as OTLP/JSON. */
    spanNames: (): string[] => json('/v1/traces').flatMap((b) => (b as JsonSpans).resourceSpans ?? []).flatMap((r) => r.scopeSpans ?? []).flatMap((s) => s.spans ?? []).map((s) => s.name),
    /** Names of the metrics received as OTLP/JSON. */
    metricNames: (): string[] => json('/v1/metrics').flatMap((b) => (b as JsonMetrics).resourceMetrics ?? []).flatMap((r) => r.scopeMetrics ?? []).flatMap((s) => s.metrics ?? []).map((m) => m.name)
  }
}
