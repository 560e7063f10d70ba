import type { Type } from 'avsc'
import type { SchemaIssue } from './errors.ts'

function describeType (type: Type): string {
  const t = type as Type & { types?: Type[], symbols?: string[] }
  if (t.typeName === 'enum' && t.symbols) return `one of ${t.symbols.join(', ')}`
  if (t.types) return t.types.map(describeType).join(' | ')
  return t.name ?? t.typeName
}

// Only the JavaScript type of a bad value is reported: values are customer data and end up in logs.
function describeValue (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (Buffer.isBuffer(value)) return 'Buffer'
  if (typeof value === 'number' && !Number.isInteger(value)) return 'fractional number'
  return typeof value
}

/**
 * Every place where `value` does not match `type`, as dotted paths (e.g. `error.class`) with the
 * expected Avro type and the JavaScript type received (never the value itself).
 */
export function findValueIssues (type: Type, value: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = []
  type.isValid(value, {
    errorHook: (path, bad, badType) => {
      issues.push({ path: path.join('.'), message: `expected ${describeType(badType)}, got ${describeValue(bad)}` })
    }
  })
  return issues
}
