/** Error codes of the media worker's HTTP API. */
export const MEDIA_ERROR_CODES = ['MEDIA_NOT_FOUND_MEDIA'] as const
export type MediaErrorCode = typeof MEDIA_ERROR_CODES[number]

/** An answer of the HTTP API other than 200. */
export class MediaRequestError extends Error {
  readonly statusCode: number
  readonly code: MediaErrorCode
  constructor (statusCode: number, code: MediaErrorCode, message: string) {
    super(message)
    this.name = 'MediaRequestError'
    this.statusCode = statusCode
    this.code = code
  }
}
