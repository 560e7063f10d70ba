/** Codes of {@link ClientError}. */
export const CLIENT_ERROR_CODES = [
  /** The request (or the options) failed validation; nothing was produced. `issues` lists every problem. */
  'CLIENT_INVALID_REQUEST',
  /** createClient() options are invalid. */
  'CLIENT_INVALID_OPTIONS',
  /** Kafka did not take the request; it may or may not have been written (send it again with the same request_id). */
  'CLIENT_SEND_FAILED',
  /** send() with `wait`: no result arrived in time. The request was produced; `requestId` names it. */
  'CLIENT_WAIT_TIMEOUT',
  /** The client was closed before the operation ended. */
  'CLIENT_CLOSED',
  /** A record could not be decoded (not Avro, unknown schema, corrupt). */
  'CLIENT_DECODE_FAILED',
  /** The schema registry could not be reached or refused a call. */
  'CLIENT_REGISTRY_FAILED'
] as const
export type ClientErrorCode = typeof CLIENT_ERROR_CODES[number]

/** One problem of a request: where (dotted path, '' for the whole value) and what. */
export interface RequestIssue {
  path: string
  message: string
}

export interface ClientErrorOptions {
  cause?: unknown
  issues?: RequestIssue[]
  requestId?: string
}

/** Every failure of @wabridge/client. Branch on `code`. */
export class ClientError extends Error {
  override readonly name = 'ClientError'
  readonly code: ClientErrorCode
  /** Every problem found, for CLIENT_INVALID_REQUEST and CLIENT_INVALID_OPTIONS. */
  readonly issues: RequestIssue[]
  /** The request concerned, for CLIENT_SEND_FAILED and CLIENT_WAIT_TIMEOUT. */
  readonly requestId: string | undefined

  constructor (code: ClientErrorCode, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.issues = options.issues ?? []
    this.requestId = options.requestId
  }
}
