import avro, { type Resolver, type Type } from 'avsc'
import { SchemaError } from './errors.ts'
import { schemaFingerprint } from './fingerprint.ts'
import type { DecodedRecord, RecordValues } from './record-values.ts'
import { createSchemaRegistryClient, type SchemaRegistryClient, type SchemaRegistryClientOptions } from './registry-client.ts'
import { isSchemaName, SCHEMA_NAMES, shortName, type SchemaName } from './schema-files.ts'
import { loadSchemaJson } from './schemas.ts'
import { findValueIssues } from './value-issues.ts'
import { detectWireFormat, frameConfluent, frameSingleObject, readConfluent, readSingleObject, SINGLE_OBJECT_HEADER_BYTES, SINGLE_OBJECT_MARKER, type WireFormat } from './wire-format.ts'

/** A schema: the parsed JSON of an .avsc file (or any Avro schema JSON) or an avsc Type. */
export type SchemaInput = Type | avro.Schema | Record<string, unknown>

/** Options of {@link createCodec}. */
export interface CodecOptions {
  /** Reader (current) schemas replacing the bundled ones, by name: records are written with them and read into them. */
  readers?: Partial<Record<SchemaName, SchemaInput>>
  /** Older writer schemas that records may have been written with; same as calling addWriterSchema for each. */
  writers?: readonly SchemaInput[]
  /** A Confluent-compatible schema registry (URL, client options or a client). When set, serialize() writes the Confluent wire format. */
  registry?: string | SchemaRegistryClientOptions | SchemaRegistryClient
}

/** Encodes and decodes wabridge records. */
export interface Codec {
  /** The format serialize() writes: 'confluent' when a registry is configured, else 'single-object'. */
  readonly wireFormat: WireFormat
  /** Single-object encoding of `value` with the reader schema of `name`. Throws SCHEMA_INVALID_VALUE naming each bad field. */
  encode<N extends SchemaName> (name: N, value: RecordValues[N]): Buffer
  /** Decodes a single-object record, resolving an older writer schema into the reader schema. */
  decode (buf: Buffer): DecodedRecord
  /** Same, and throws SCHEMA_UNEXPECTED_NAME unless the record is an `expected`. */
  decode<N extends SchemaName> (buf: Buffer, expected: N): DecodedRecord<N>
  /** The value of a record for `topic`: Confluent wire format (subject `<topic>-value`) with a registry, else single-object encoding. */
  serialize<N extends SchemaName> (topic: string, name: N, value: RecordValues[N]): Promise<Buffer>
  /** Decodes either format, detected from the first byte; Confluent records fetch their writer schema from the registry. */
  deserialize (buf: Buffer): Promise<DecodedRecord>
  deserialize<N extends SchemaName> (buf: Buffer, expected: N): Promise<DecodedRecord<N>>
  /** Makes records written with `schema` (an older version of one of the records) decodable. Returns its fingerprint (hex). Throws SCHEMA_INCOMPATIBLE. */
  addWriterSchema (schema: SchemaInput): string
  /** The reader Type of `name`. */
  type (name: SchemaName): Type
  /** Fingerprint (16 hex chars, wire order) of the schema encode() writes for `name`. */
  fingerprintHex (name: SchemaName): string
}

interface Reader { name: SchemaName, type: Type, fingerprint: Buffer, registryText: string }
interface Writer { name: SchemaName, hex: string, resolver: Resolver | undefined }

function toType (schema: SchemaInput): Type {
  return avro.Type.isType(schema) ? schema as Type : avro.Type.forSchema(schema as avro.Schema)
}

/**
 * Creates a codec over the bundled schemas (or `options.readers`). Construction parses every
 * schema and computes its fingerprint once; encode/decode are then table lookups plus avsc.
 */
export function createCodec (options: CodecOptions = {}): Codec {
  const registry = typeof options.registry === 'string'
    ? createSchemaRegistryClient({ url: options.registry })
    : options.registry && 'url' in options.registry ? createSchemaRegistryClient(options.registry) : options.registry
  const readers = new Map<SchemaName, Reader>()
  const writers = new Map<string, Writer>()
  const confluentWriters = new Map<number, Promise<Writer>>()
  // encode() writes here first (synchronously, so one buffer per codec is enough); larger records take the slow path.
  const scratch = Buffer.allocUnsafe(64 * 1024)

  for (const name of SCHEMA_NAMES) {
    const input = options.readers?.[name]
    const type = toType(input ?? loadSchemaJson(name) as avro.Schema)
    if (shortName(type.name ?? '') !== name) {
      throw new SchemaError('SCHEMA_UNKNOWN_NAME', `reader schema given for ${name} is named ${type.name ?? '(anonymous)'}`)
    }
    const registryText = JSON.stringify(input === undefined ? loadSchemaJson(name) : avro.Type.isType(input) ? type.schema({ exportAttrs: true }) : input)
    const reader: Reader = { name, type, fingerprint: schemaFingerprint(type), registryText }
    readers.set(name, reader)
    writers.set(reader.fingerprint.toString('hex'), { name, hex: reader.fingerprint.toString('hex'), resolver: undefined })
  }

  function readerOf (name: SchemaName): Reader {
    const reader = readers.get(name)
    if (!reader) throw new SchemaError('SCHEMA_UNKNOWN_NAME', `no schema named ${String(name)}; known: ${SCHEMA_NAMES.join(', ')}`)
    return reader
  }

  function writerFor (type: Type): Writer {
    const hex = schemaFingerprint(type).toString('hex')
    const known = writers.get(hex)
    if (known) return known
    const name = shortName(type.name ?? '')
    if (!isSchemaName(name)) throw new SchemaError('SCHEMA_UNKNOWN_NAME', `writer schema ${type.name ?? '(anonymous)'} is not a wabridge record`)
    let resolver: Resolver
    try {
      resolver = readerOf(name).type.createResolver(type)
    } catch (err) {
      throw new SchemaError('SCHEMA_INCOMPATIBLE', `cannot read ${name} records written with schema ${hex}: ${(err as Error).message}`, { cause: err })
    }
    const writer: Writer = { name, hex, resolver }
    writers.set(hex, writer)
    return writer
  }

  /**
   * Writes the single-object header and `value` into `scratch`; returns the end, or -1 when it did
   * not fit or avsc refused the value (encodeBody then encodes it again, or names what is wrong).
   */
  function encodeInto (reader: Reader, value: unknown): number {
    SINGLE_OBJECT_MARKER.copy(scratch, 0)
    reader.fingerprint.copy(scratch, SINGLE_OBJECT_MARKER.length)
    try {
      const end = reader.type.encode(value, scratch, SINGLE_OBJECT_HEADER_BYTES)
      return end > 0 ? end : -1
    } catch {
      return -1
    }
  }

  function encodeBody (name: SchemaName, value: unknown): Buffer {
    const { type } = readerOf(name)
    try {
      return type.toBuffer(value)
    } catch (err) {
      const issues = findValueIssues(type, value)
      const detail = issues.length > 0 ? issues.map((i) => `${i.path || '(value)'}: ${i.message}`).join('; ') : (err as Error).message
      throw new SchemaError('SCHEMA_INVALID_VALUE', `invalid ${name}: ${detail}`, { cause: err, issues })
    }
  }

  function decodeBody (writer: Writer, body: Buffer, expected: SchemaName | undefined): { schema: SchemaName, value: unknown } {
    if (expected !== undefined && writer.name !== expected) {
      throw new SchemaError('SCHEMA_UNEXPECTED_NAME', `expected a ${expected} record, got ${writer.name}`)
    }
    try {
      return { schema: writer.name, value: readerOf(writer.name).type.fromBuffer(body, writer.resolver) }
    } catch (err) {
      throw new SchemaError('SCHEMA_CORRUPT_RECORD', `corrupt ${writer.name} record: ${(err as Error).message}`, { cause: err })
    }
  }

  function decode (buf: Buffer, expected?: SchemaName): DecodedRecord {
    if (detectWireFormat(buf) === 'confluent') {
      throw new SchemaError('SCHEMA_REGISTRY_REQUIRED', 'record is in the Confluent wire format: decode it with deserialize() and a schema registry')
    }
    const { fingerprint, body } = readSingleObject(buf)
    const hex = fingerprint.toString('hex')
    const writer = writers.get(hex)
    if (!writer) {
      throw new SchemaError('SCHEMA_UNKNOWN_FINGERPRINT', `unknown schema fingerprint ${hex}: written with a schema this codec does not know (add it with addWriterSchema)`)
    }
    return { ...decodeBody(writer, body, expected), fingerprint: hex } as DecodedRecord
  }

  async function confluentWriter (client: SchemaRegistryClient, id: number): Promise<Writer> {
    const text = await client.getSchema(id)
    let type: Type
    try {
      type = avro.Type.forSchema(JSON.parse(text) as avro.Schema)
    } catch (err) {
      throw new SchemaError('SCHEMA_REGISTRY_FAILED', `schema id ${id} is not a valid Avro schema: ${(err as Error).message}`, { cause: err })
    }
    return writerFor(type)
  }

  async function deserialize (buf: Buffer, expected?: SchemaName): Promise<DecodedRecord> {
    if (detectWireFormat(buf) === 'single-object') return decode(buf, expected)
    const { schemaId, body } = readConfluent(buf)
    if (!registry) throw new SchemaError('SCHEMA_REGISTRY_REQUIRED', `record is in the Confluent wire format (schema id ${schemaId}) but no schema registry is configured`)
    let pending = confluentWriters.get(schemaId)
    if (!pending) {
      pending = confluentWriter(registry, schemaId)
      confluentWriters.set(schemaId, pending)
      pending.catch(() => confluentWriters.delete(schemaId))
    }
    return { ...decodeBody(await pending, body, expected), schemaId } as DecodedRecord
  }

  for (const schema of options.writers ?? []) writerFor(toType(schema))

  return {
    wireFormat: registry ? 'confluent' : 'single-object',
    encode: (name, value) => {
      const reader = readerOf(name)
      // Header and body written into one scratch buffer and copied out once; toBuffer() would
      // allocate the body zero-filled and frameSingleObject copy it again.
      const end = encodeInto(reader, value)
      return end > 0 ? Buffer.from(scratch.subarray(0, end)) : frameSingleObject(reader.fingerprint, encodeBody(name, value))
    },
    decode: decode as Codec['decode'],
    async serialize (topic, name, value) {
      const body = encodeBody(name, value)
      if (!registry) return frameSingleObject(readerOf(name).fingerprint, body)
      return frameConfluent(await registry.register(`${topic}-value`, readerOf(name).registryText), body)
    },
    deserialize: deserialize as Codec['deserialize'],
    addWriterSchema: (schema) => writerFor(toType(schema)).hex,
    type: (name) => readerOf(name).type,
    fingerprintHex: (name) => readerOf(name).fingerprint.toString('hex')
  }
}
