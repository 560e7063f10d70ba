import { readFileSync } from 'node:fs'
import avro, { type Type } from 'avsc'
import { SCHEMA_FILES, SCHEMA_NAMES, type SchemaName } from './schema-files.ts'

/** The parsed JSON of an .avsc file. */
export type AvroSchemaJson = Record<string, unknown>

const jsonCache = new Map<SchemaName, AvroSchemaJson>()
const typeCache = new Map<SchemaName, Type>()

/**
 * The bundled schema of `name` as parsed JSON, with docs and defaults (what a schema registry
 * should store). Read from its .avsc file on first use, then cached.
 */
export function loadSchemaJson (name: SchemaName): AvroSchemaJson {
  let json = jsonCache.get(name)
  if (!json) {
    json = JSON.parse(readFileSync(SCHEMA_FILES[name], 'utf8')) as AvroSchemaJson
    jsonCache.set(name, json)
  }
  return json
}

/** The bundled avsc Type of `name`, parsed on first use and cached. */
export function schemaType (name: SchemaName): Type {
  let type = typeCache.get(name)
  if (!type) {
    type = avro.Type.forSchema(loadSchemaJson(name) as avro.Schema)
    typeCache.set(name, type)
  }
  return type
}

/**
 * The bundled avsc Types by name, e.g. `schemas.InboundMessage.isValid(value)`. Each property
 * reads and parses its .avsc file on first access (importing this module does no I/O).
 */
export const schemas: Readonly<Record<SchemaName, Type>> = Object.freeze(Object.defineProperties(
  {} as Record<SchemaName, Type>,
  Object.fromEntries(SCHEMA_NAMES.map((name) => [name, { enumerable: true, get: () => schemaType(name) }]))
))
