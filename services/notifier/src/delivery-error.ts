/** A delivery a receiver refused or did not answer; `retryable` tells whether trying again can help. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError'
  readonly code = 'NOTIFIER_DELIVERY_FAILED'
  readonly retryable: boolean
  readonly statusCode: number | undefined
  constructor (message: string, options: { retryable: boolean, statusCode?: number, cause?: unknown }) {
    super(message, { cause: options.cause })
    this.retryable = options.retryable
    this.statusCode = options.statusCode
  }
}

/** Retry network failures, timeouts, 429 and 5xx; never a 4xx refusal or a programming error. */
export function isRetryable (err: unknown): boolean {
  if (err instanceof DeliveryError) return err.retryable
  return !(err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError)
}
