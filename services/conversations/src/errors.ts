/** The codes of the conversations API's own refusals. */
export const CONVERSATIONS_ERROR_CODES = ['CONVERSATIONS_BAD_PAIR'] as const
export type ConversationsErrorCode = typeof CONVERSATIONS_ERROR_CODES[number]

const STATUS: Record<ConversationsErrorCode, number> = { CONVERSATIONS_BAD_PAIR: 400 }

/** A request the conversations service refuses. */
export class ConversationsRequestError extends Error {
  override readonly name = 'ConversationsRequestError'
  readonly code: ConversationsErrorCode
  readonly statusCode: number
  constructor (code: ConversationsErrorCode, message: string) {
    super(message)
    this.code = code
    this.statusCode = STATUS[code]
  }
}
