import { readFileSync } from 'node:fs'
import avro, { type Resolver, type Type } from 'avsc'
import { toParsingCanonicalForm } from './canonical-form.ts'
import { crc64Avro } from './crc64-avro.ts'
import { ClientError } from './errors.ts'
import type { RecordName, RecordValues } from './records.ts'
import type { SchemaRegistry } from './registry.ts'
import { frameConfluent, frameSingleObject, unframe, type WireFormat } from './wire-format.ts'

const FILES: Record<RecordName, string> = {
  InboundMessage: 'inbound-message.avsc',
  InboundStatus: 'inbound-status.avsc',
  OutboundRequest: 'outbound-request.avsc',
  OutboundResult: 'outbound-result.avsc'
}

/** The bundled .avsc file of a record (the same path from src/ and dist/). */
export function schemaFileUrl (name: RecordName): URL {
  return new URL(`../avro/${FILES[name]}`, import.meta.url)
}

interface Schema { type: Type, text: string, fingerprint: Buffer }

/** Encodes the gateway's records as it does and decodes what it writes. */
export interface Codec {
  /** 'confluent' with a schema registry, else 'single-object'. */
  readonly wireFormat: WireFormat
  /** The value of a record for `topic`: Confluent wire format (subject `<topic>-value`) with a registry, else single-object encoding. */
  serialize<N extends RecordName> (topic: string, name: N, value: RecordValues[N]): Promise<Buffer>
  /** Decodes either format; throws CLIENT_DECODE_FAILED unless it is an `expected` record this client can read. */
  deserialize<N extends RecordName> (buf: Buffer, expected: N): Promise<RecordValues[N]>
  /** The `schema-fingerprint` header: CRC-64-AVRO of the schema, 16 hex chars in wire order. */
  fingerprintHex (name: RecordName): string
}

/** A codec over the bundled schemas; each is read and parsed on first use. */
export function createCodec (registry?: SchemaRegistry): Codec {
  const schemas = new Map<RecordName, Schema>()
  const confluentResolvers = new Map<string, Promise<{ name: string, resolver: Resolver }>>()

  function schemaOf (name: RecordName): Schema {
    let schema = schemas.get(name)
    if (!schema) {
      const text = readFileSync(schemaFileUrl(name), 'utf8')
      const json = JSON.parse(text) as avro.Schema
      const fingerprint = Buffer.alloc(8)
      fingerprint.writeBigUInt64LE(crc64Avro(Buffer.from(toParsingCanonicalForm(json), 'utf8')))
      schema = { type: avro.Type.forSchema(json), text: JSON.stringify(json), fingerprint }
      schemas.set(name, schema)
    }
    return schema
  }

  async function confluentResolver (id: number, reader: Type): Promise<{ name: string, resolver: Resolver }> {
    const text = await registry!.getSchema(id)
    let writer: Type
    try {
      writer = avro.Type.forSchema(JSON.parse(text) as avro.Schema)
    } catch (err) {
      throw new ClientError('CLIENT_DECODE_FAILED', `schema id ${id} is not an Avro schema: ${(err as Error).message}`, { cause: err })
    }
    try {
      return { name: writer.name ?? '', resolver: reader.createResolver(writer) }
    } catch (err) {
      throw new ClientError('CLIENT_DECODE_FAILED', `cannot read ${reader.name ?? ''} from records written with schema id ${id} (${writer.name ?? 'anonymous'}): ${(err as Error).message}`, { cause: err })
    }
  }

  return {
    wireFormat: registry ? 'confluent' : 'single-object',
    async serialize (topic, name, value) {
      const { type, fingerprint, text } = schemaOf(name)
      const body = type.toBuffer(value)
      return registry ? frameConfluent(await registry.register(`${topic}-value`, text), body) : frameSingleObject(fingerprint, body)
    },
    async deserialize<N extends RecordName> (buf: Buffer, expected: N): Promise<RecordValues[N]> {
      const reader = schemaOf(expected)
      const framed = unframe(buf)
      let resolver: Resolver | undefined
      if (framed.format === 'single-object') {
        if (!framed.fingerprint.equals(reader.fingerprint)) {
          throw new ClientError('CLIENT_DECODE_FAILED',
            `not a ${expected} record this client version knows: schema fingerprint ${framed.fingerprint.toString('hex')}, expected ${reader.fingerprint.toString('hex')} (another record type, or a newer gateway schema: update @wabridge/client)`)
        }
      } else {
        if (!registry) throw new ClientError('CLIENT_DECODE_FAILED', `record is in the Confluent wire format (schema id ${framed.schemaId}) but the client has no schemaRegistryUrl`)
        const key = `${expected}:${framed.schemaId}`
        let pending = confluentResolvers.get(key)
        if (!pending) {
          pending = confluentResolver(framed.schemaId, reader.type)
          confluentResolvers.set(key, pending)
          pending.catch(() => confluentResolvers.delete(key))
        }
        const writer = await pending
        if (writer.name !== reader.type.name) throw new ClientError('CLIENT_DECODE_FAILED', `expected a ${expected} record, schema id ${framed.schemaId} is ${writer.name}`)
        resolver = writer.resolver
      }
      try {
        return reader.type.fromBuffer(framed.body, resolver) as RecordValues[N]
      } catch (err) {
        throw new ClientError('CLIENT_DECODE_FAILED', `corrupt ${expected} record: ${(err as Error).message}`, { cause: err })
      }
    },
    fingerprintHex: (name) => schemaOf(name).fingerprint.toString('hex')
  }
}
