/** Codes of the errors this service answers with (the shared error body's `code`). */
export const WEBHOOKS_ERROR_CODES = [
  'WEBHOOKS_INVALID_SUBSCRIPTION',
  'WEBHOOKS_NOT_FOUND',
  'WEBHOOKS_UNAVAILABLE'
] as const
export type WebhooksErrorCode = typeof WEBHOOKS_ERROR_CODES[number]

const STATUS: Record<WebhooksErrorCode, number> = {
  WEBHOOKS_INVALID_SUBSCRIPTION: 400,
  WEBHOOKS_NOT_FOUND: 404,
  WEBHOOKS_UNAVAILABLE: 503
}

export class WebhooksError extends Error {
  override readonly name = 'WebhooksError'
  readonly code: WebhooksErrorCode
  readonly statusCode: number
  constructor (code: WebhooksErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.statusCode = STATUS[code]
  }
}
