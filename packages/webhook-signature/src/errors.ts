export const WEBHOOK_SIGNATURE_ERROR_CODES = ['WEBHOOK_SECRETS_EMPTY'] as const
export type WebhookSignatureErrorCode = typeof WEBHOOK_SIGNATURE_ERROR_CODES[number]

/** A programming or configuration error (never thrown for a bad signature, which is a result). */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError'
  readonly code: WebhookSignatureErrorCode
  readonly retryable = false

  constructor (code: WebhookSignatureErrorCode, message: string) {
    super(message)
    this.code = code
  }
}
