import type { HttpFailure } from '@wabridge/process'

export const SUPPRESSION_ERROR_CODES = ['SUPPRESSION_INVALID', 'SUPPRESSION_NOT_FOUND'] as const
export type SuppressionErrorCode = typeof SUPPRESSION_ERROR_CODES[number]

/** A suppression request the routes refuse: 400 (SUPPRESSION_INVALID) or 404 (SUPPRESSION_NOT_FOUND). */
export class SuppressionRequestError extends Error implements HttpFailure {
  override readonly name = 'SuppressionRequestError'
  readonly code: SuppressionErrorCode
  readonly statusCode: number
  constructor (code: SuppressionErrorCode, message: string) {
    super(message)
    this.code = code
    this.statusCode = code === 'SUPPRESSION_NOT_FOUND' ? 404 : 400
  }
}

/** For useErrorBody's toFailure: the answer of a SuppressionRequestError, else undefined. */
export function toSuppressionFailure (err: Error): HttpFailure | undefined {
  return err instanceof SuppressionRequestError ? { statusCode: err.statusCode, code: err.code, message: err.message } : undefined
}
