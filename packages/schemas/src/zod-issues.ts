import type { z } from 'zod'
import { SchemaError, type SchemaIssue } from './errors.ts'

function article (expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}

/** One zod issue as a short message that never quotes the input (it may be customer data). */
export function describeIssue (issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    // zod 4 leaves `input` out of issues unless asked to; its message still says what was received.
    case 'invalid_type': return /received undefined$/.test(issue.message) ? 'is required' : `must be ${article(issue.expected)}`
    case 'invalid_value': return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`
    case 'unrecognized_keys': return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    default: return issue.message
  }
}

/** zod issues as {@link SchemaIssue}s: dotted paths (`message.text`) and messages that never quote the input. */
export function toSchemaIssues (error: z.ZodError): SchemaIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: describeIssue(issue) }))
}

/** Runs `schema.safeParse(input)`; on failure throws one SCHEMA_INVALID_PAYLOAD SchemaError listing every issue. */
export function parseWith<S extends z.ZodType> (schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = toSchemaIssues(result.error)
  const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')
  throw new SchemaError('SCHEMA_INVALID_PAYLOAD', `invalid ${what}: ${summary}`, { cause: result.error, issues })
}
