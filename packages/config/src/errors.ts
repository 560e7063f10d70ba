export const CONFIG_ERROR_CODES = ['CONFIG_INVALID'] as const
export type ConfigErrorCode = typeof CONFIG_ERROR_CODES[number]

/** One problem with one environment variable. The value is never included (it may be a secret). */
export interface ConfigIssue {
  variable: string
  reason: string
}

/** Thrown by parseEnv when any variable is invalid; `issues` lists every bad variable at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code: ConfigErrorCode = 'CONFIG_INVALID'
  readonly retryable = false
  readonly issues: ConfigIssue[]

  constructor (issues: ConfigIssue[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable}: ${i.reason}`).join('; ')}`)
    this.issues = issues
  }
}
