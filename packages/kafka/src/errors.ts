export const KAFKA_ERROR_CODES = ['KAFKA_PUBLISH_FAILED', 'KAFKA_PUBLISH_TIMEOUT', 'KAFKA_PRODUCER_STOPPED', 'KAFKA_RECORD_TOO_LARGE'] as const
export type KafkaErrorCode = typeof KAFKA_ERROR_CODES[number]

export interface KafkaPublishErrorOptions {
  cause?: unknown
  /** Whether the records may be in Kafka although the send failed. Default false; always true for KAFKA_PUBLISH_TIMEOUT. */
  maybeWritten?: boolean
}

/**
 * A produce that did not complete.
 *
 * `maybeWritten` says what the caller may assume about its records:
 * - `false`: none of them was handed to Kafka and none will be written (the producer was stopped,
 *   a record is too large, the producer could not reach the cluster before sending anything).
 * - `true`: some or all of them may be in Kafka, now or a little later: kafkajs gave up while a
 *   produce request may have reached the broker (a stalled broker still appends a request it read
 *   before it stalled), or the caller's own timeout expired while the producer was still trying.
 *   Sending the records again may write them twice; consumers dedup on the `event-id` header.
 *
 * `retryable` says whether sending the same records again can succeed (false for a stopped
 * producer and a record over the topic's max.message.bytes).
 */
export class KafkaPublishError extends Error {
  override readonly name: string = 'KafkaPublishError'
  readonly code: KafkaErrorCode
  readonly retryable: boolean
  readonly maybeWritten: boolean

  constructor (code: KafkaErrorCode, message: string, options: KafkaPublishErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.retryable = code === 'KAFKA_PUBLISH_FAILED' || code === 'KAFKA_PUBLISH_TIMEOUT'
    this.maybeWritten = code === 'KAFKA_PUBLISH_TIMEOUT' || options.maybeWritten === true
  }
}

/**
 * A record that can never be written: its encoded size (with the record batch overhead) is over
 * the topic's max.message.bytes. Nothing of the send it belongs to was written. Not retryable.
 */
export class KafkaRecordTooLargeError extends KafkaPublishError {
  override readonly name = 'KafkaRecordTooLargeError'
  readonly topic: string
  /** Estimated size of the record in a batch of its own, bytes (upper bound). */
  readonly sizeBytes: number
  /** The topic's effective max.message.bytes. */
  readonly maxMessageBytes: number

  constructor (topic: string, sizeBytes: number, maxMessageBytes: number) {
    super('KAFKA_RECORD_TOO_LARGE', `a record of ${sizeBytes} bytes can never be written to topic ${topic}: its max.message.bytes is ${maxMessageBytes}`)
    this.topic = topic
    this.sizeBytes = sizeBytes
    this.maxMessageBytes = maxMessageBytes
  }
}

/** True when the error says the operation may be tried again (never for programming errors). */
export function isRetryable (err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return false
  return typeof err === 'object' && err !== null && (err as { retryable?: unknown }).retryable === true
}

/** True when the error says its records may be in Kafka although the call failed (see KafkaPublishError). */
export function isMaybeWritten (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { maybeWritten?: unknown }).maybeWritten === true
}
