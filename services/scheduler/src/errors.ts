export const SCHEDULER_ERROR_CODES = ['SCHEDULER_NOT_FOUND_REQUEST', 'SCHEDULER_ALREADY_RELEASED', 'SCHEDULER_BAD_REQUEST_ID'] as const
export type SchedulerErrorCode = typeof SCHEDULER_ERROR_CODES[number]

const STATUS: Record<SchedulerErrorCode, number> = { SCHEDULER_NOT_FOUND_REQUEST: 404, SCHEDULER_ALREADY_RELEASED: 409, SCHEDULER_BAD_REQUEST_ID: 400 }

/** A scheduled-requests API request the service refuses (400, 404 or 409). */
export class ScheduledRequestError extends Error {
  override readonly name = 'ScheduledRequestError'
  readonly code: SchedulerErrorCode
  readonly statusCode: number
  constructor (code: SchedulerErrorCode, message: string) {
    super(message)
    this.code = code
    this.statusCode = STATUS[code]
  }
}
