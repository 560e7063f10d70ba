export const SCHEMA_ERROR_CODES = [
  'SCHEMA_BAD_MARKER',
  'SCHEMA_UNKNOWN_FINGERPRINT',
  'SCHEMA_UNKNOWN_ID',
  'SCHEMA_CORRUPT_RECORD',
  'SCHEMA_INVALID_VALUE',
  'SCHEMA_UNKNOWN_NAME',
  'SCHEMA_UNEXPECTED_NAME',
  'SCHEMA_INCOMPATIBLE',
  'SCHEMA_REGISTRY_REQUIRED',
  'SCHEMA_REGISTRY_FAILED',
  'SCHEMA_INVALID_PAYLOAD'
] as const
export type SchemaErrorCode = typeof SCHEMA_ERROR_CODES[number]

/** One problem found in a value or payload: where (dotted path, '' for the root) and what. */
export interface SchemaIssue {
  path: string
  message: string
}

/** Options of {@link SchemaError}. */
export interface SchemaErrorOptions {
  cause?: unknown
  /** True only for registry calls that may succeed later (network errors, 5xx, 429). */
  retryable?: boolean
  /** Every problem found, for SCHEMA_INVALID_VALUE and SCHEMA_INVALID_PAYLOAD. */
  issues?: SchemaIssue[]
}

/**
 * Every failure of this package: encoding a value that does not match its schema, decoding bytes
 * that are not a record we know, a registry that cannot be reached, an invalid JSON payload.
 * Branch on `code`; `retryable` says whether trying again can help.
 */
export class SchemaError extends Error {
  override readonly name = 'SchemaError'
  readonly code: SchemaErrorCode
  readonly retryable: boolean
  readonly issues: SchemaIssue[]

  constructor (code: SchemaErrorCode, message: string, options: SchemaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryable = options.retryable ?? false
    this.issues = options.issues ?? []
  }
}
