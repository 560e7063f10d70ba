import { createRequire } from 'node:module'
import CRC32C from 'crc-32/crc32c.js'

/**
 * A faster encoder for kafkajs' Produce requests (v3–v7, no compression), installed into kafkajs.
 *
 * kafkajs 2.2.4 builds every record in its own zero-filled Encoder, writes each varint through a
 * temporary array and Buffer, and copies a record four more times on its way into the request:
 * about 18 µs of CPU per record here, the largest cost of producing. This encoder sizes the whole
 * request first and writes it into one buffer: the same bytes (a test compares them with kafkajs'
 * own encoder), a fraction of the work. Requests with compression, and every other request, are
 * still kafkajs' own.
 *
 * An explicit choice (setupProduceEncoder, KAFKA_PRODUCE_ENCODER through createKafkaClient):
 * `wabridge` (default) installs it and refuses, with a ProduceEncoderError, a kafkajs version it was
 * not verified against or internals it does not recognise; `kafkajs` leaves kafkajs untouched.
 */

interface Message {
  key?: Buffer | string | null
  value: Buffer | string | null
  headers?: Record<string, Buffer | string | null | undefined | Array<Buffer | string>>
  timestamp?: string | number
}

interface PartitionData {
  partition: number
  firstSequence?: number
  messages: Message[]
}

export interface ProduceRequestArgs {
  acks: number
  timeout: number
  compression?: number
  transactionalId?: string | null
  producerId?: unknown
  producerEpoch?: number
  topicData: Array<{ topic: string, partitions: PartitionData[] }>
}

interface KafkaEncoder { writeBuffer(value: Buffer): KafkaEncoder }
interface ProduceRequest { encode: () => Promise<KafkaEncoder> }
type VersionFactory = (args: ProduceRequestArgs) => { request: ProduceRequest, response: unknown }
interface ProduceDefinition { versions: string[], protocol: (opts: { version: number }) => VersionFactory }

const require = createRequire(import.meta.url)
export const KAFKAJS_VERSION = '2.2.4'
const TRANSACTIONAL_MASK = 16
const MAGIC_BYTE = 2

const zigzag32 = (n: number) => ((n << 1) ^ (n >> 31)) >>> 0

function sizeOfUVarInt (u: number): number {
  let size = 1
  while (u >= 0x80) { u = Math.floor(u / 128); size++ }
  return size
}

/** Zigzag varint of a signed 32-bit value, as Kafka's Records use it. */
const sizeOfVarInt = (n: number) => sizeOfUVarInt(zigzag32(n))

/** Zigzag varlong; record timestamp deltas are small, larger ones take the exact BigInt path. */
function zigzag64 (n: number): bigint {
  const v = BigInt(n)
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))
}

function sizeOfVarLong (n: number): number {
  if (Number.isInteger(n) && n >= -0x40000000 && n < 0x40000000) return sizeOfVarInt(n)
  let u = zigzag64(n)
  let size = 1
  while (u >= 0x80n) { u >>= 7n; size++ }
  return size
}

type Bytes = Buffer | string | null | undefined

const bytesLength = (b: Bytes) => b == null ? 0 : Buffer.isBuffer(b) ? b.length : Buffer.byteLength(String(b))

/** Size of varint length + bytes (null: varint -1). */
const sizeOfVarIntBytes = (b: Bytes) => b == null ? 1 : sizeOfVarInt(bytesLength(b)) + bytesLength(b)

function headerList (headers: Message['headers']): Array<[string, Buffer | string | null | undefined]> {
  const out: Array<[string, Buffer | string | null | undefined]> = []
  if (!headers) return out
  for (const key of Object.keys(headers)) {
    const value = headers[key]
    if (Array.isArray(value)) for (const v of value) out.push([key, v])
    else out.push([key, value])
  }
  return out
}

class Writer {
  readonly buf: Buffer
  at = 0
  constructor (size: number) { this.buf = Buffer.allocUnsafe(size) }
  int8 (n: number) { this.at = this.buf.writeInt8(n, this.at) }
  int16 (n: number) { this.at = this.buf.writeInt16BE(n, this.at) }
  int32 (n: number) { this.at = this.buf.writeInt32BE(n, this.at) }
  int64 (n: bigint) { this.at = this.buf.writeBigInt64BE(n, this.at) }
  uvarint (u: number) {
    while (u >= 0x80) { this.buf[this.at++] = (u & 0x7f) | 0x80; u = Math.floor(u / 128) }
    this.buf[this.at++] = u
  }

  varint (n: number) { this.uvarint(zigzag32(n)) }
  varlong (n: number) {
    if (Number.isInteger(n) && n >= -0x40000000 && n < 0x40000000) { this.varint(n); return }
    let u = zigzag64(n)
    while (u >= 0x80n) { this.buf[this.at++] = Number(u & 0x7fn) | 0x80; u >>= 7n }
    this.buf[this.at++] = Number(u)
  }

  /** Nullable string with an int16 length. */
  string (s: string | null | undefined) {
    if (s == null) { this.int16(-1); return }
    const n = this.buf.write(s, this.at + 2)
    this.int16(n)
    this.at += n
  }

  varintBytes (b: Bytes) {
    if (b == null) { this.varint(-1); return }
    if (Buffer.isBuffer(b)) {
      this.varint(b.length)
      this.at += b.copy(this.buf, this.at)
    } else {
      const s = String(b)
      this.varint(Buffer.byteLength(s))
      this.at += this.buf.write(s, this.at)
    }
  }
}

/** kafkajs' Long, a number or a numeric string, as a bigint. */
const toBigInt = (v: unknown, fallback: bigint) => v == null ? fallback : typeof v === 'bigint' ? v : BigInt(String(v))

interface PlannedRecord { message: Message, headers: Array<[string, Buffer | string | null | undefined]>, timestampDelta: number, bodySize: number }
interface PlannedPartition { data: PartitionData, records: PlannedRecord[], firstTimestamp: number, maxTimestamp: number, batchSize: number }

function planPartition (data: PartitionData, now: number): PlannedPartition {
  // The same timestamps kafkajs picks: the messages' own (sorted as it sorts them), else now.
  const stamps = data.messages.map((m) => m.timestamp).filter((t) => t != null).sort()
  const firstTimestamp = stamps.length === 0 ? now : Number(stamps[0])
  const maxTimestamp = stamps.length === 0 ? now : Number(stamps[stamps.length - 1])
  let recordsSize = 0
  const records = data.messages.map((message, offsetDelta) => {
    const timestampDelta = (message.timestamp ? Number(message.timestamp) : now) - firstTimestamp
    const headers = headerList(message.headers)
    let headersSize = sizeOfVarInt(headers.length)
    for (const [key, value] of headers) headersSize += sizeOfVarInt(Buffer.byteLength(key)) + Buffer.byteLength(key) + sizeOfVarIntBytes(value)
    const bodySize = 1 + sizeOfVarLong(timestampDelta) + sizeOfVarInt(offsetDelta) + sizeOfVarIntBytes(message.key) + sizeOfVarIntBytes(message.value) + headersSize
    recordsSize += sizeOfVarInt(bodySize) + bodySize
    return { message, headers, timestampDelta, bodySize }
  })
  // firstOffset, length, partitionLeaderEpoch, magic, crc, attributes, lastOffsetDelta,
  // firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence, record count.
  const batchSize = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 + recordsSize
  return { data, records, firstTimestamp, maxTimestamp, batchSize }
}

/** CRC-32C of a record batch (crc-32 computes it several times faster than kafkajs' byte loop). */
export const crc32C = (b: Buffer): number => CRC32C.buf(b) >>> 0

/** The body of a Produce v3–v7 request without compression, byte for byte what kafkajs 2.2.4 writes. */
export function encodeProduceRequest (args: ProduceRequestArgs, now = Date.now()): Buffer {
  const producerId = toBigInt(args.producerId, -1n)
  const producerEpoch = args.producerEpoch ?? 0
  const attributes = args.transactionalId ? TRANSACTIONAL_MASK : 0
  let size = 2 + (args.transactionalId == null ? 0 : Buffer.byteLength(args.transactionalId)) + 2 + 4 + 4
  const topics = args.topicData.map(({ topic, partitions }) => {
    const planned = partitions.map((p) => planPartition(p, now))
    size += 2 + Buffer.byteLength(topic) + 4
    for (const p of planned) size += 4 + 4 + p.batchSize
    return { topic, planned }
  })

  const w = new Writer(size)
  w.string(args.transactionalId)
  w.int16(args.acks)
  w.int32(args.timeout)
  w.int32(topics.length)
  for (const { topic, planned } of topics) {
    w.string(topic)
    w.int32(planned.length)
    for (const p of planned) {
      w.int32(p.data.partition)
      w.int32(p.batchSize)
      w.int64(0n)
      w.int32(p.batchSize - 12)
      w.int32(0)
      w.int8(MAGIC_BYTE)
      const crcAt = w.at
      w.at += 4
      const bodyAt = w.at
      w.int16(attributes)
      w.int32(p.records.length - 1)
      w.int64(BigInt(p.firstTimestamp))
      w.int64(BigInt(p.maxTimestamp))
      w.int64(producerId)
      w.int16(producerEpoch)
      w.int32(p.data.firstSequence ?? 0)
      w.int32(p.records.length)
      p.records.forEach((r, offsetDelta) => {
        w.varint(r.bodySize)
        w.int8(0)
        w.varlong(r.timestampDelta)
        w.varint(offsetDelta)
        w.varintBytes(r.message.key)
        w.varintBytes(r.message.value)
        w.varint(r.headers.length)
        for (const [key, value] of r.headers) {
          w.varint(Buffer.byteLength(key))
          w.at += w.buf.write(key, w.at)
          w.varintBytes(value)
        }
      })
      w.buf.writeUInt32BE(crc32C(w.buf.subarray(bodyAt, w.at)), crcAt)
    }
  }
  if (w.at !== size) throw new Error(`produce request encoded to ${w.at} bytes, planned ${size}`)
  return w.buf
}

/** The environment variable that chooses the Produce request encoder of every service. */
export const PRODUCE_ENCODER_ENV = 'KAFKA_PRODUCE_ENCODER'

/**
 * `wabridge`: encodeProduceRequest, installed into kafkajs (the default). `kafkajs`: kafkajs' own
 * encoder, untouched (about twice the CPU per record; for another kafkajs version, or to rule the
 * encoder out when diagnosing).
 */
export const PRODUCE_ENCODERS = ['wabridge', 'kafkajs'] as const
export type ProduceEncoder = typeof PRODUCE_ENCODERS[number]

/** kafkajs versions whose Produce requests the encoder was checked against, byte for byte. */
export const VERIFIED_KAFKAJS_VERSIONS: readonly string[] = Object.freeze([KAFKAJS_VERSION])

export const PRODUCE_ENCODER_ERROR_CODES = [
  /** KAFKA_PRODUCE_ENCODER (or the option) is neither `wabridge` nor `kafkajs`. */
  'KAFKA_PRODUCE_ENCODER_INVALID',
  /** `wabridge` asked for, and the installed kafkajs is not a verified version. */
  'KAFKA_PRODUCE_ENCODER_UNVERIFIED',
  /** `wabridge` asked for, and the kafkajs internals it replaces are not what it was written against. */
  'KAFKA_PRODUCE_ENCODER_INTERNALS',
  /** Two clients of one process asked for different encoders (the encoder is process-wide). */
  'KAFKA_PRODUCE_ENCODER_CONFLICT'
] as const
export type ProduceEncoderErrorCode = typeof PRODUCE_ENCODER_ERROR_CODES[number]

/** Why a Kafka client refused to be created over the produce encoder. Not retryable: a configuration or installation fault. */
export class ProduceEncoderError extends Error {
  override readonly name = 'ProduceEncoderError'
  readonly code: ProduceEncoderErrorCode
  /** The kafkajs version found, when it was read. */
  readonly kafkajsVersion: string | undefined

  constructor (code: ProduceEncoderErrorCode, message: string, options: { kafkajsVersion?: string, cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.kafkajsVersion = options.kafkajsVersion
  }
}

/** Loads a module by id, as `require` does: how the encoder reads kafkajs' package.json and internals. */
export type KafkajsModuleLoader = (id: string) => unknown

/** What a client runs with. */
export interface ProduceEncoderStatus {
  encoder: ProduceEncoder
  /** True when kafkajs' Produce requests v3–v7 without compression go through encodeProduceRequest. */
  active: boolean
  kafkajsVersion: string
}

/** The encoder named by `value` (an option or the env var; empty or unset: `wabridge`). */
export function parseProduceEncoder (value: string | undefined): ProduceEncoder {
  if (value === undefined || value === '') return 'wabridge'
  if ((PRODUCE_ENCODERS as readonly string[]).includes(value)) return value as ProduceEncoder
  throw new ProduceEncoderError('KAFKA_PRODUCE_ENCODER_INVALID', `${PRODUCE_ENCODER_ENV} must be one of ${PRODUCE_ENCODERS.join(', ')}`)
}

/** The variable that chose the encoder before KAFKA_PRODUCE_ENCODER; refused rather than ignored, so that it cannot silently stop working. */
const OLD_ENV = 'WABRIDGE_KAFKAJS_ENCODER'

/** The encoder the environment names (KAFKA_PRODUCE_ENCODER; the old WABRIDGE_KAFKAJS_ENCODER set is an error). */
export function produceEncoderFromEnv (env: NodeJS.ProcessEnv = process.env): ProduceEncoder {
  if (env[OLD_ENV]) throw new ProduceEncoderError('KAFKA_PRODUCE_ENCODER_INVALID', `${OLD_ENV} is no longer read: set ${PRODUCE_ENCODER_ENV}=kafkajs (or wabridge) instead`)
  return parseProduceEncoder(env[PRODUCE_ENCODER_ENV])
}

const PATCHED_VERSIONS = [3, 4, 5, 6, 7]
const SAMPLE: ProduceRequestArgs = { acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v' }] }] }] }

function readKafkajsVersion (load: KafkajsModuleLoader): string {
  const pkg = load('kafkajs/package.json') as { version?: unknown } | undefined
  return typeof pkg?.version === 'string' ? pkg.version : 'unknown'
}

/** The two kafkajs internals the encoder replaces, checked to have the shape it was written against. */
function loadInternals (load: KafkajsModuleLoader, version: string): { definition: ProduceDefinition, Encoder: new (size?: number) => KafkaEncoder } {
  const fail = (what: string, cause?: unknown) => new ProduceEncoderError('KAFKA_PRODUCE_ENCODER_INTERNALS',
    `the produce encoder cannot be installed into kafkajs ${version}: ${what}; set ${PRODUCE_ENCODER_ENV}=kafkajs to produce with kafkajs' own encoder`,
    { kafkajsVersion: version, cause })
  let definition: ProduceDefinition
  let Encoder: new (size?: number) => KafkaEncoder
  try {
    definition = load('kafkajs/src/protocol/requests/produce/index.js') as ProduceDefinition
    Encoder = load('kafkajs/src/protocol/encoder.js') as new (size?: number) => KafkaEncoder
  } catch (err) {
    throw fail('its Produce request or Encoder module is missing', err)
  }
  if (typeof definition?.protocol !== 'function' || !Array.isArray(definition.versions)) throw fail('its Produce request module has no protocol(version) and versions')
  if (typeof Encoder !== 'function' || typeof (Encoder.prototype as Partial<KafkaEncoder> | undefined)?.writeBuffer !== 'function') throw fail('its Encoder has no writeBuffer')
  for (const version of PATCHED_VERSIONS) {
    if (!definition.versions.includes(String(version))) throw fail(`it has no Produce request v${version}`)
    let made: { request?: { encode?: unknown } } | undefined
    try {
      made = definition.protocol({ version })(SAMPLE) as typeof made
    } catch (err) {
      throw fail(`its Produce request v${version} cannot be built`, err)
    }
    if (typeof made?.request?.encode !== 'function') throw fail(`its Produce request v${version} has no encode()`)
  }
  return { definition, Encoder }
}

/** What this process runs with, once a client chose. */
let chosen: ProduceEncoderStatus | undefined

/**
 * Puts the process on `encoder` and says what it runs with. `wabridge` installs encodeProduceRequest
 * into kafkajs, after checking that kafkajs is a verified version and has the internals it replaces;
 * otherwise it throws a ProduceEncoderError (KAFKA_PRODUCE_ENCODER_UNVERIFIED or _INTERNALS) rather
 * than run without it. `kafkajs` leaves kafkajs untouched. The choice is process-wide (kafkajs' request
 * table is one per process): a later call asking for the other encoder throws
 * KAFKA_PRODUCE_ENCODER_CONFLICT; asking again for the same one returns the same status.
 * `load` reads kafkajs' package.json and internals (default: require from this package; tests inject one).
 */
export function setupProduceEncoder (encoder: ProduceEncoder, load: KafkajsModuleLoader = require): ProduceEncoderStatus {
  const kafkajsVersion = readKafkajsVersion(load)
  if (encoder === 'wabridge' && !VERIFIED_KAFKAJS_VERSIONS.includes(kafkajsVersion)) {
    throw new ProduceEncoderError('KAFKA_PRODUCE_ENCODER_UNVERIFIED',
      `refusing to start: the produce encoder was verified against kafkajs ${VERIFIED_KAFKAJS_VERSIONS.join(', ')}, and kafkajs ${kafkajsVersion} is installed; ` +
      `set ${PRODUCE_ENCODER_ENV}=kafkajs to produce with kafkajs' own encoder`, { kafkajsVersion })
  }
  if (chosen !== undefined) {
    if (chosen.encoder === encoder) return chosen
    throw new ProduceEncoderError('KAFKA_PRODUCE_ENCODER_CONFLICT',
      `a Kafka client of this process already produces with the ${chosen.encoder} encoder; the encoder is process-wide, so every client must ask for the same one`,
      { kafkajsVersion })
  }
  if (encoder === 'kafkajs') {
    chosen = Object.freeze({ encoder, active: false, kafkajsVersion })
    return chosen
  }
  const { definition, Encoder } = loadInternals(load, kafkajsVersion)
  const compressionNone = 0
  const original = definition.protocol
  definition.protocol = ({ version }) => {
    const factory = original({ version })
    if (version < 3 || version > 7) return factory
    return (args) => {
      const made = factory(args)
      if ((args.compression ?? compressionNone) !== compressionNone) return made
      return { ...made, request: { ...made.request, encode: async () => new Encoder(0).writeBuffer(encodeProduceRequest(args)) } }
    }
  }
  chosen = Object.freeze({ encoder, active: true, kafkajsVersion })
  return chosen
}
