export const METRICS_ERROR_CODES = ['METRICS_BAD_QUERY'] as const
export type MetricsErrorCode = typeof METRICS_ERROR_CODES[number]

/** A request the API refuses (400); `parameter` names the query parameter at fault. */
export class MetricsQueryError extends Error {
  override readonly name = 'MetricsQueryError'
  readonly code: MetricsErrorCode = 'METRICS_BAD_QUERY'
  readonly retryable = false
  readonly statusCode = 400
  readonly parameter: string | undefined

  constructor (message: string, parameter?: string) {
    super(message)
    this.parameter = parameter
  }
}
