import { z } from 'zod'
import { ConfigError, type ConfigIssue } from './errors.ts'

type Env = Record<string, string | undefined>

function deepFreeze<T> (value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** zod's messages can quote the received input; keep only the part that names the expectation. */
function describe (issue: z.core.$ZodIssue, present: boolean): string {
  switch (issue.code) {
    case 'invalid_type': return present ? `must be ${issue.expected}` : 'is required'
    case 'invalid_value': return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'too_small': return issue.inclusive === false ? `must be greater than ${String(issue.minimum)}` : `must be at least ${String(issue.minimum)}`
    case 'too_big': return issue.inclusive === false ? `must be less than ${String(issue.maximum)}` : `must be at most ${String(issue.maximum)}`
    case 'invalid_format': return `must be a valid ${issue.format}`
    default: return issue.message.replace(/received .*/i, '').trim() || 'is invalid'
  }
}

/**
 * Parses `env` with `schema` (keys are env var names). Empty strings count as unset, so
 * `FOO=` falls back to the default. Throws one ConfigError naming every bad variable and why,
 * never its value. Returns the result deep-frozen.
 */
export function parseEnv<S extends z.ZodType> (schema: S, env: Env): z.output<S> {
  const cleaned: Env = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') cleaned[key] = value
  const result = schema.safeParse(cleaned)
  if (result.success) return deepFreeze(result.data)
  const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(environment)',
    reason: describe(issue, String(issue.path[0]) in cleaned)
  }))
  throw new ConfigError(issues)
}
