import { classifyGraphError } from './classify-error.ts'
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

/**
 * Builds the failure for an HTTP response that is not a success: Meta's error envelope when the body
 * is one (classified by its code), otherwise a description of the status (classified by status).
 */
export function responseFailure (statusCode: number, headers: Headers, body: Buffer, attempt: number): GraphFailure {
  const usage = parseUsageHeaders(headers)
  const envelope = parseEnvelope(body) ?? { message: `HTTP ${statusCode}${body.length > 0 ? `: ${body.toString('utf8', 0, 200)}` : ''}` }
  const fbtraceId = envelope.fbtraceId ?? header(headers, 'x-fb-trace-id')
  const classification = classifyGraphError({ code: envelope.code, httpStatus: statusCode, attempt, retryAfter: header(headers, 'retry-after') })
  const error: GraphError = { ...envelope, httpStatus: statusCode, ...classification }
  if (fbtraceId !== undefined) error.fbtraceId = fbtraceId
  return { ok: false, error, usage }
}

/** A 2xx whose body is not what the endpoint returns; for a send the message may still have gone out. */
export function unexpectedBodyFailure (statusCode: number, usage: GraphUsage, isSend: boolean): GraphFailure {
  return {
    ok: false,
    error: { message: `unexpected response body with HTTP ${statusCode}`, httpStatus: statusCode, class: isSend ? 'ambiguous' : 'retry_now' },
    usage
  }
}

/**
 * A request without a complete response. Failures before the request was fully written (refused,
 * DNS, connect timeout) are safe to retry; after it (headers/body timeout, connection reset while
 * waiting) Meta may have accepted the message, so the class is ambiguous.
 */
export function transportFailure (err: TransportError): GraphFailure {
  // An oversized response is a property of the resource, not of the network: retrying cannot help.
  const cls = err.code === 'RESPONSE_TOO_LARGE' ? 'permanent' : err.requestSent ? 'ambiguous' : 'retry_now'
  return {
    ok: false,
    error: { message: err.message, networkCode: err.code === 'RESPONSE_TOO_LARGE' ? err.code : err.networkCode, class: cls },
    usage: parseUsageHeaders({})
  }
}
