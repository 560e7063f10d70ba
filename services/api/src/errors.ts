export const API_ERROR_CODES = [
  'API_INVALID_REQUEST',
  'API_UNAUTHENTICATED',
  'API_FORBIDDEN',
  'API_MESSAGE_NOT_FOUND',
  'API_REQUEST_ID_CONFLICT',
  'API_RATE_LIMITED',
  'API_UNAVAILABLE'
] as const
export type ApiErrorCode = typeof API_ERROR_CODES[number]

/** The HTTP status each code answers with (the one place codes meet statuses). */
export const STATUS_OF: Readonly<Record<ApiErrorCode, number>> = {
  API_INVALID_REQUEST: 400,
  API_UNAUTHENTICATED: 401,
  API_FORBIDDEN: 403,
  API_MESSAGE_NOT_FOUND: 404,
  API_REQUEST_ID_CONFLICT: 409,
  API_RATE_LIMITED: 429,
  API_UNAVAILABLE: 503
}

/**
 * A request the API refuses. `details` are extra fields of the error body (`issues` of a 400,
 * `request_id` of a 503). `retryable` is true for API_RATE_LIMITED and API_UNAVAILABLE: the same
 * request (with the same request_id) may succeed later.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly code: ApiErrorCode
  readonly retryable: boolean
  readonly details: Record<string, unknown> | undefined
  /** Seconds for Retry-After (429 and 503). */
  readonly retryAfterS: number | undefined

  constructor (code: ApiErrorCode, message: string, options: { cause?: unknown, details?: Record<string, unknown>, retryAfterS?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryable = code === 'API_RATE_LIMITED' || code === 'API_UNAVAILABLE'
    this.details = options.details
    this.retryAfterS = options.retryAfterS
  }

  get statusCode (): number {
    return STATUS_OF[this.code]
  }
}
