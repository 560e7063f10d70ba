import { decideSend, type SendDecision } from './decide-send.ts'
import { errorClassOf } from './error-classes.ts'
import type { TransportError } from './dispatch-request.ts'
import type { GraphError, GraphFailure } from './outcome.ts'
import { parseUsageHeaders, type GraphUsage } from './usage-headers.ts'

type Headers = Record<string, string | string[]>

function header (headers: Headers, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function num (value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** Fields of Meta's `{"error": {...}}` envelope, or undefined when the body is not one. */
function parseEnvelope (body: Buffer): Omit<GraphError, 'class' | 'httpStatus'> | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
  if (!isObject(parsed) || !isObject(parsed.error)) return undefined
  const e = parsed.error
  const data = isObject(e.error_data) ? e.error_data : {}
  const out: Omit<GraphError, 'class' | 'httpStatus'> = { message: str(e.message) ?? 'Graph API error' }
  const fields = { code: num(e.code), subcode: num(e.error_subcode), type: str(e.type), details: str(data.details), fbtraceId: str(e.fbtrace_id) }
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) Object.assign(out, { [k]: v })
  return out
}

/** The wait a decision suggests: before a retry, or before replaying a failure that can still succeed. */
function suggestedWaitMs (decision: SendDecision): number | undefined {
  if (decision.action === 'retry') return decision.afterMs
  return decision.action === 'fail' ? decision.replayAfterMs : undefined
}

/** Sets `class` and `retryAfterMs` from decideSend (the one decision); the caller acts on the same. */
function classified (facts: Omit<GraphError, 'class'>, attempt: number): GraphError {
  const decision = decideSend(facts, { attempt })
  const { retryAfterMs: _hint, ...rest } = facts
  const waitMs = suggestedWaitMs(decision)
  return { ...rest, class: errorClassOf(decision), ...(waitMs === undefined ? {} : { retryAfterMs: waitMs }) }
}

function parseRetryAfterMs (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value.trim())
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined
}

/** What the transport knows about a response that is not a success. */
export interface FailedResponse {
  statusCode: number
  headers: Headers
  body: Buffer
  /** Whether the whole request had been written before the answer began. */
  requestSent: boolean
}

/**
 * Builds the failure for an HTTP response that is not a success: Meta's error envelope when the body
 * is one, otherwise a description of the status; classified by decideSend. `attempt` drives the
 * 131056 delay.
 */
export function responseFailure (res: FailedResponse, attempt: number): GraphFailure {
  const usage = parseUsageHeaders(res.headers)
  const envelope = parseEnvelope(res.body) ?? { message: `HTTP ${res.statusCode}${res.body.length > 0 ? `: ${res.body.toString('utf8', 0, 200)}` : ''}` }
  const fbtraceId = envelope.fbtraceId ?? header(res.headers, 'x-fb-trace-id')
  const hintMs = parseRetryAfterMs(header(res.headers, 'retry-after'))
  const facts: Omit<GraphError, 'class'> = {
    ...envelope,
    httpStatus: res.statusCode,
    requestSent: res.requestSent,
    ...(fbtraceId === undefined ? {} : { fbtraceId }),
    ...(hintMs === undefined ? {} : { retryAfterMs: hintMs })
  }
  return { ok: false, error: classified(facts, attempt), usage }
}

/**
 * A 2xx whose body is not what the endpoint returns. For a send the message may still have gone out
 * (decideSend: ambiguous); any other call is simply retried.
 */
export function unexpectedBodyFailure (statusCode: number, usage: GraphUsage, isSend: boolean): GraphFailure {
  const facts = { message: `unexpected response body with HTTP ${statusCode}`, httpStatus: statusCode, requestSent: true }
  return { ok: false, error: isSend ? classified(facts, 0) : { ...facts, class: 'retry_now' }, usage }
}

/**
 * A request without a complete response, classified by decideSend: failures before the request
 * was fully written (refused, DNS, connect timeout) can be retried; after it (headers/body timeout,
 * connection reset or closed while waiting) Meta may have accepted the message: ambiguous. An
 * oversized answer to anything but a send is a property of the resource: permanent.
 */
export function transportFailure (err: TransportError, isSend: boolean): GraphFailure {
  const tooLarge = err.code === 'RESPONSE_TOO_LARGE'
  const facts = { message: err.message, networkCode: tooLarge ? err.code : err.networkCode, requestSent: err.requestSent }
  return {
    ok: false,
    error: tooLarge && !isSend ? { ...facts, class: 'permanent' } : classified(facts, 0),
    usage: parseUsageHeaders({})
  }
}
