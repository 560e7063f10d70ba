export const KAFKA_ERROR_CODES = ['KAFKA_PUBLISH_FAILED', 'KAFKA_PUBLISH_TIMEOUT', 'KAFKA_PRODUCER_STOPPED'] as const
export type KafkaErrorCode = typeof KAFKA_ERROR_CODES[number]

/** A produce that did not complete. `retryable` is true: the same records may be sent again. */
export class KafkaPublishError extends Error {
  override readonly name = 'KafkaPublishError'
  readonly code: KafkaErrorCode
  readonly retryable: boolean

  constructor (code: KafkaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.retryable = code !== 'KAFKA_PRODUCER_STOPPED'
  }
}

/** True when the error says the operation may be tried again (never for programming errors). */
export function isRetryable (err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return false
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
}
