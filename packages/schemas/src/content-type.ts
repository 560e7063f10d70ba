import { SCHEMA_NAMES, type SchemaName } from './schema-files.ts'

function kebab (name: string): string {
  return name.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())
}

/**
 * The `content-type` header value of an Avro record of `name`, e.g.
 * `application/vnd.wabridge.inbound-message.v1+avro`. The same for both wire formats: the first
 * byte tells them apart.
 */
export function contentTypeFor (name: SchemaName): string {
  return `application/vnd.wabridge.${kebab(name)}.v1+avro`
}

/** The record name a `content-type` header names, or undefined when it names none of ours. */
export function schemaNameForContentType (contentType: string): SchemaName | undefined {
  const base = contentType.split(';')[0]!.trim().toLowerCase()
  return SCHEMA_NAMES.find((name) => contentTypeFor(name) === base)
}
