import fc from 'fast-check'

/** The part of JSON Schema (2020-12, as in the OpenAPI 3.1 document) the generator understands. */
export interface JsonSchema {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
}

/**
 * An arbitrary of values valid for `schema` as far as JSON Schema can say (refinements of the zod
 * schemas, e.g. "the object named by message.type", are not in the document, so some values are
 * still refused: that is part of what the fuzz run exercises). `$ref`s resolve in `components`.
 * `overrides` replace the arbitrary of a property by name, to steer values towards the interesting.
 */
export function arbitraryOf (schema: JsonSchema, components: Record<string, JsonSchema>, overrides: Record<string, fc.Arbitrary<unknown>> = {}): fc.Arbitrary<unknown> {
  if (schema.$ref) return arbitraryOf(components[schema.$ref.split('/').pop()!]!, components, overrides)
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const branches = schema.anyOf ?? schema.oneOf
  if (branches) return fc.oneof(...branches.map((b) => arbitraryOf(b, components, overrides)))
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type
  switch (type) {
    case 'string':
      if (schema.format === 'date-time') return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString())
      if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length >= (schema.minLength ?? 0) && s.length <= (schema.maxLength ?? Infinity))
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) })
    case 'integer': return fc.integer()
    case 'number': return fc.double({ noNaN: true, noDefaultInfinity: true })
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    case 'array': return fc.array(schema.items ? arbitraryOf(schema.items, components, overrides) : fc.jsonValue(), { maxLength: 3 })
    case 'object': {
      const props = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      const known = Object.fromEntries(Object.entries(props).map(([name, s]) => [name, overrides[name] ?? arbitraryOf(s, components, overrides)]))
      const record = fc.record(known, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) })
      const extra = schema.additionalProperties
      if (typeof extra === 'object' && Object.keys(props).length === 0) {
        return fc.dictionary(fc.string({ maxLength: 10 }), Object.keys(extra).length === 0 ? fc.jsonValue({ maxDepth: 2 }) : arbitraryOf(extra, components, overrides), { maxKeys: 3 })
      }
      return record
    }
    default: return fc.jsonValue({ maxDepth: 2 })
  }
}

/** A body broken on purpose: a required field dropped, a field of the wrong type, an unknown field, or no object at all. */
export function mutationsOf (valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  const asObject = valid.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v))
  return fc.oneof(
    fc.tuple(asObject, fc.nat()).map(([v, i]) => {
      const keys = Object.keys(v)
      if (keys.length === 0) return v
      const { [keys[i % keys.length]!]: _, ...rest } = v
      return rest
    }),
    fc.tuple(asObject, fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([v, i, junk]) => {
      const keys = Object.keys(v)
      return keys.length === 0 ? v : { ...v, [keys[i % keys.length]!]: junk }
    }),
    fc.tuple(asObject, fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })).map(([v, k, junk]) => ({ ...v, [k]: junk })),
    fc.jsonValue({ maxDepth: 3 })
  )
}
