/** Query parameters whose values never reach a log line or span attribute. */
const SECRET_PARAMS = ['hub.verify_token']

/** The value that replaces a secret parameter (the one OpenTelemetry's HTTP instrumentation uses). */
export const REDACTED = 'REDACTED'

/**
 * The query string of `url` (without `?`) with the value of every secret parameter replaced by
 * REDACTED, or undefined when `url` has no query string.
 */
export function redactedQueryOf (url: string): string | undefined {
  const start = url.indexOf('?')
  if (start === -1) return undefined
  const params = new URLSearchParams(url.slice(start + 1))
  for (const name of SECRET_PARAMS) {
    if (!params.has(name)) continue
    const count = params.getAll(name).length
    params.delete(name)
    for (let i = 0; i < count; i++) params.append(name, REDACTED)
  }
  return params.toString()
}
