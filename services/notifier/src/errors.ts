export const NOTIFIER_ERROR_CODES = ['NOTIFIER_BAD_SILENCE', 'NOTIFIER_SILENCE_NOT_FOUND', 'NOTIFIER_DELIVERY_FAILED'] as const
export type NotifierErrorCode = typeof NOTIFIER_ERROR_CODES[number]

/** A silences API request the service refuses (400 or 404). */
export class SilenceRequestError extends Error {
  override readonly name = 'SilenceRequestError'
  readonly code: NotifierErrorCode
  readonly statusCode: number
  constructor (code: 'NOTIFIER_BAD_SILENCE' | 'NOTIFIER_SILENCE_NOT_FOUND', message: string) {
    super(message)
    this.code = code
    this.statusCode = code === 'NOTIFIER_SILENCE_NOT_FOUND' ? 404 : 400
  }
}
