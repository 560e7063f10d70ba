import { findErrorClassRow, type ErrorClass } from './error-classes.ts'

/** The Graph error code of the pair rate limit; its delay grows per attempt. */
export const PAIR_RATE_LIMIT_CODE = 131056

/** Meta's advice on 131056: retry after 4^x seconds, x = 0, 1, 2 … (capped at x = 8, about 18 h). */
export function pairRateRetryDelayMs (attempt: number): number {
  const x = Math.min(Math.max(0, Math.floor(attempt)), 8)
  return 4 ** x * 1000
}

/** What classifyGraphError looks at. */
export interface ClassifyInput {
  /** `error.code` from the body, if there was one. */
  code?: number
  httpStatus?: number
  /** 0-based attempt number of the request that failed; drives the 131056 delay. */
  attempt?: number
  /** A `Retry-After` header value (seconds), honoured when present on a retryable error. */
  retryAfter?: string
}

/** The class of a failed request and the suggested wait before retrying it. */
export interface Classification {
  class: ErrorClass
  retryAfterMs?: number
}

function parseRetryAfterMs (value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const seconds = Number(value.trim())
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined
}

/**
 * Classifies a Graph API error by its `error.code` through ERROR_CLASS_TABLE. Codes not in the table
 * fall back on the HTTP status: 5xx → retry_now, 429 → retry_now (a throttle without a known code),
 * other 4xx → permanent. A response with neither a code nor an error status is ambiguous.
 */
export function classifyGraphError (input: ClassifyInput): Classification {
  const headerDelay = parseRetryAfterMs(input.retryAfter)
  const row = input.code === undefined ? undefined : findErrorClassRow(input.code)
  if (row) {
    const tableDelay = row.code === PAIR_RATE_LIMIT_CODE ? pairRateRetryDelayMs(input.attempt ?? 0) : row.retryAfterMs
    const retryAfterMs = row.class === 'permanent' ? undefined : (headerDelay ?? tableDelay)
    return retryAfterMs === undefined ? { class: row.class } : { class: row.class, retryAfterMs }
  }
  const status = input.httpStatus
  if (status !== undefined && (status >= 500 || status === 429)) {
    return headerDelay === undefined ? { class: 'retry_now' } : { class: 'retry_now', retryAfterMs: headerDelay }
  }
  if (status !== undefined && status >= 400) return { class: 'permanent' }
  return { class: 'ambiguous' }
}
