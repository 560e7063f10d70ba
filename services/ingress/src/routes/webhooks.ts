import { createHash, timingSafeEqual } from 'node:crypto'
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { IngressError } from '../errors.ts'
import type { InboundRecord } from '../inbound-record.ts'
import { firstEntryId, toRawRecord } from '../raw-record.ts'
import { parseWebhookJson, splitWebhook } from '../split-webhook.ts'
import { parseVerifyQuery } from '../verify-query.ts'
import type { WebhookPublisher } from '../webhook-publisher.ts'

export interface WebhookRoutesOptions {
  /** hub.verify_token expected in the GET handshake. */
  verifyToken: string
  /** App secrets; a body signed with any of them is accepted. */
  appSecrets: readonly string[]
  /** Deepest nesting of a body's arrays and objects; deeper is refused (400) after its raw body was archived. */
  maxJsonDepth: number
  publisher: WebhookPublisher
  tracer: Tracer
  /** Epoch ms (injected for tests). */
  now: () => number
}

const SIGNATURE_REASONS = {
  missing: 'X-Hub-Signature-256 header is missing',
  malformed: 'X-Hub-Signature-256 is not sha256=<64 hex digits>',
  mismatch: 'X-Hub-Signature-256 does not match the body for any configured app secret'
} as const

/** Compares two strings in constant time, whatever their lengths (digests are always 32 bytes). */
function sameSecret (given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(given), digest(expected))
}

/** The trace a request belongs to: the active one (HTTP instrumentation) or the one in its headers. */
function parentContext (request: FastifyRequest): Context {
  const active = context.active()
  return trace.getSpan(active) ? active : propagation.extract(ROOT_CONTEXT, request.headers)
}

/** GET /webhook (Meta's verification handshake) and POST /webhook (signed notifications). */
export async function webhookRoutes (app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const { publisher, tracer, now } = options

  app.get('/webhook', async (request, reply) => {
    const { mode, token, challenge } = parseVerifyQuery(request.query)
    if (mode !== 'subscribe' || token === undefined || !sameSecret(token, options.verifyToken) || !challenge) {
      throw new IngressError('INGRESS_VERIFY_FAILED', 'hub.mode must be subscribe and hub.verify_token must match')
    }
    return reply.type('text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send(challenge)
  })

  app.post('/webhook', async (request, reply) => {
    const receivedAt = now()
    const parent = parentContext(request)
    const span = tracer.startSpan('webhook receive', {
      kind: trace.getSpan(parent) ? SpanKind.INTERNAL : SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'http.route': '/webhook' }
    }, parent)
    try {
      const result = await receive(request, receivedAt, trace.setSpan(parent, span), span)
      span.setAttributes({ 'wabridge.records.published': result.published, 'wabridge.records.duplicates': result.duplicates })
      // Built by hand: this answer is the hot path, and its shape is fixed.
      return reply.type('application/json; charset=utf-8').send(`{"status":"accepted","records":${result.published},"duplicates":${result.duplicates}}`)
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as { code?: string }).code ?? 'error' })
      throw err
    } finally {
      span.end()
    }
  })

  async function receive (request: FastifyRequest, receivedAt: number, ctx: Context, span: Span) {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const signature = request.headers['x-hub-signature-256']
    const verification = verifyWebhookSignature(body, typeof signature === 'string' ? signature : undefined, options.appSecrets)
    if (!verification.ok) throw new IngressError('INGRESS_SIGNATURE_INVALID', SIGNATURE_REASONS[verification.reason])
    span.setAttribute('wabridge.app_secret_index', verification.secretIndex)

    let payload: unknown
    let records: InboundRecord[] = []
    let invalid: IngressError | undefined
    try {
      payload = parseWebhookJson(body, options.maxJsonDepth)
      records = splitWebhook(payload, receivedAt)
    } catch (err) {
      if (!(err instanceof IngressError)) throw err
      invalid = err
    }
    const raw = toRawRecord({ body, headers: request.headers, remoteAddress: request.ip, receivedAt, wabaId: firstEntryId(payload) })
    if (invalid) {
      // A verified body is archived even when it cannot be split, then refused (brief.md, "Ingress").
      await publisher.publish([raw], ctx)
      throw invalid
    }
    try {
      return await publisher.publish([...records, raw], ctx)
    } catch (err) {
      if (!(err instanceof IngressError) || err.code !== 'INGRESS_PAYLOAD_INVALID') throw err
      await publisher.publish([raw], ctx)
      throw err
    }
  }
}
