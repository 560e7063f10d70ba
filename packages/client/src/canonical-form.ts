// The same algorithm as @wabridge/schemas' src/canonical-form.ts, kept here so the published client needs no
// private workspace package (test/codec.test.ts checks both give the same fingerprints).
/**
 * Avro "Parsing Canonical Form" (Avro specification, "Transforming into Parsing Canonical Form"):
 * the form whose CRC-64-AVRO is a schema's fingerprint. Written from the spec rather than taken
 * from avsc, because avsc refuses some schemas Avro accepts (e.g. an invalid field default) and
 * this form must not depend on a library's export details.
 */

import avro, { type Type as AvroType } from 'avsc'

const { Type } = avro

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'])

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

interface Scope {
  namespace: string | undefined
  /** Full names defined so far, to resolve a short reference as Avro does. */
  defined: Set<string>
}

function fullName (name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`
}

function namespaceOf (name: string): string | undefined {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? undefined : name.slice(0, dot)
}

function reference (name: string, scope: Scope): string {
  if (PRIMITIVES.has(name)) return name
  const full = fullName(name, scope.namespace)
  // A short name that is not defined in the enclosing namespace may refer to the null namespace.
  return scope.defined.has(full) || !scope.defined.has(name) ? full : name
}

function canonical (schema: unknown, scope: Scope): Json {
  if (typeof schema === 'string') return reference(schema, scope)
  if (Array.isArray(schema)) return schema.map((branch) => canonical(branch, scope))
  if (schema === null || typeof schema !== 'object') throw new TypeError(`not an Avro schema: ${JSON.stringify(schema)}`)
  const s = schema as Record<string, unknown>
  const type = s.type
  if (typeof type !== 'string') return canonical(type, scope)
  switch (type) {
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed': {
      if (typeof s.name !== 'string') throw new TypeError(`${type} without a name`)
      const name = fullName(s.name, typeof s.namespace === 'string' && s.namespace !== '' ? s.namespace : scope.namespace)
      scope.defined.add(name)
      if (type === 'enum') return { name, type, symbols: s.symbols as Json }
      if (type === 'fixed') return { name, type, size: s.size as Json }
      const inner: Scope = { namespace: namespaceOf(name), defined: scope.defined }
      const fields = (s.fields as Array<Record<string, unknown>>).map((f) => ({ name: f.name as string, type: canonical(f.type, inner) }))
      // Java's SchemaNormalization writes error types as records too.
      return { name, type: 'record', fields }
    }
    case 'array': return { type, items: canonical(s.items, scope) }
    case 'map': return { type, values: canonical(s.values, scope) }
    default: return reference(type, scope)
  }
}

/**
 * The Parsing Canonical Form of a schema, as compact JSON text: full names, primitives as plain
 * strings, only name/type/fields/symbols/items/values/size kept, in that order. Logical types
 * reduce to their underlying type. Takes the parsed JSON of a schema (`JSON.parse` of an .avsc
 * file) or an avsc Type.
 */
export function toParsingCanonicalForm (schema: unknown): string {
  const value = Type.isType(schema) ? (schema as AvroType).schema() : schema
  return JSON.stringify(canonical(value, { namespace: undefined, defined: new Set() }))
}
