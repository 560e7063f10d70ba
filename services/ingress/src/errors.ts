export const INGRESS_ERROR_CODES = [
  'INGRESS_SIGNATURE_INVALID',
  'INGRESS_PAYLOAD_INVALID',
  'INGRESS_UNAVAILABLE',
  'INGRESS_VERIFY_FAILED',
  'INGRESS_QUERY_INVALID'
] as const
export type IngressErrorCode = typeof INGRESS_ERROR_CODES[number]

/** The HTTP status each code answers with (the one place codes meet statuses). */
export const STATUS_OF: Readonly<Record<IngressErrorCode, number>> = {
  INGRESS_SIGNATURE_INVALID: 401,
  INGRESS_PAYLOAD_INVALID: 400,
  INGRESS_UNAVAILABLE: 503,
  INGRESS_VERIFY_FAILED: 403,
  INGRESS_QUERY_INVALID: 400
}

/**
 * A webhook the ingress refuses. `retryable` is true for INGRESS_UNAVAILABLE only: Kafka did not
 * take the records, and the same POST may succeed later (Meta retries for 7 days).
 */
export class IngressError extends Error {
  override readonly name = 'IngressError'
  readonly code: IngressErrorCode
  readonly retryable: boolean

  constructor (code: IngressErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.retryable = code === 'INGRESS_UNAVAILABLE'
  }

  get statusCode (): number {
    return STATUS_OF[this.code]
  }
}
