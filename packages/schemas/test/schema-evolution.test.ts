import assert from 'node:assert/strict'
import { test } from 'node:test'
import avro from 'avsc'
import { createCodec, loadSchemaJson, SchemaError, schemaFingerprint, schemas } from '../src/index.ts'
import { DEAD_LETTER_BEFORE_SCHEDULING, DEAD_LETTER_BEFORE_TRUNCATION, DEAD_LETTER_BEFORE_WINDOWS, OUTBOUND_REQUEST_BEFORE_SCHEDULING, OUTBOUND_RESULT_BEFORE_SCHEDULING, OUTBOUND_RESULT_BEFORE_SETTLEMENT, OUTBOUND_RESULT_BEFORE_LIMITS, OUTBOUND_RESULT_BEFORE_WINDOWS, RAW_WEBHOOK_BEFORE_TRUNCATION } from './fixtures/previous-schemas.ts'
import { ALL_FIXTURES, plain, RECORDS } from './fixtures/records.ts'

type SchemaJson = { fields: Array<Record<string, unknown>> } & Record<string, unknown>

// A next version of Alert: one new field with a default (the only allowed kind of change).
function alertV2 (field: Record<string, unknown> = { name: 'runbook_url', type: ['null', 'string'], default: null }): SchemaJson {
  const v1 = loadSchemaJson('Alert') as SchemaJson
  return { ...v1, fields: [...v1.fields, field] }
}

const isCode = (code: string) => (err: unknown) => err instanceof SchemaError && err.code === code

test('a reader with a newer schema reads records written with the old one, filling the default', () => {
  const oldCodec = createCodec()
  const newCodec = createCodec({ readers: { Alert: alertV2() }, writers: [loadSchemaJson('Alert')] })
  const decoded = newCodec.decode(oldCodec.encode('Alert', RECORDS.Alert), 'Alert')
  assert.equal(decoded.fingerprint, oldCodec.fingerprintHex('Alert'))
  assert.deepEqual(plain(decoded.value), { ...RECORDS.Alert, runbook_url: null })
  assert.notEqual(newCodec.fingerprintHex('Alert'), oldCodec.fingerprintHex('Alert'))
})

test('the old writer schema is unknown until it is registered', () => {
  const buf = createCodec().encode('Alert', RECORDS.Alert)
  const newCodec = createCodec({ readers: { Alert: alertV2() } })
  assert.throws(() => newCodec.decode(buf), isCode('SCHEMA_UNKNOWN_FINGERPRINT'))
  assert.equal(newCodec.addWriterSchema(loadSchemaJson('Alert')), createCodec().fingerprintHex('Alert'))
  assert.equal(newCodec.decode(buf, 'Alert').value.name, RECORDS.Alert.name)
})

test('an old reader can read records of the newer writer once it knows that schema (new field dropped)', () => {
  const v2 = alertV2({ name: 'runbook_url', type: 'string', default: '' })
  const newCodec = createCodec({ readers: { Alert: v2 } })
  const buf = newCodec.encode('Alert', { ...RECORDS.Alert, runbook_url: 'https://runbooks.example/limits' } as never)
  const oldCodec = createCodec({ writers: [v2] })
  assert.deepEqual(plain(oldCodec.decode(buf, 'Alert').value), RECORDS.Alert)
})

test('a writer schema the reader cannot resolve is refused with SCHEMA_INCOMPATIBLE', () => {
  // The reader has a new field without a default: records of the old writer cannot fill it.
  const newCodec = createCodec({ readers: { Alert: alertV2({ name: 'runbook_url', type: 'string' }) } })
  assert.throws(() => newCodec.addWriterSchema(loadSchemaJson('Alert')), isCode('SCHEMA_INCOMPATIBLE'))
})

test('a reader schema under the wrong name and a writer of no known record are refused', () => {
  assert.throws(() => createCodec({ readers: { Alert: loadSchemaJson('InboundEvent') } }), isCode('SCHEMA_UNKNOWN_NAME'))
  const foreign = { type: 'record', name: 'Foreign', namespace: 'com.example', fields: [] }
  assert.throws(() => createCodec().addWriterSchema(foreign), isCode('SCHEMA_UNKNOWN_NAME'))
})

// Earlier versions consumers may still hold. 696fdca: OutboundResult gained reason and settlement,
// DeadLetter original_truncated and original_size, RawWebhook body_truncated and body_size. Issue 14:
// OutboundRequest gained send_at and priority; ResultStatus gained 'cancelled' and ErrorClass
// 'suppressed' (enum symbols appended, with the enums' defaults for readers that do not know them).
// Issue 15 appended 'outside_window' and 'template_invalid' to ErrorClass. Issue 17: OutboundResult
// gained message_type and window_open (what the messaging limit counts: templates outside the window).
// The fingerprints are the ones Avro Java 1.12.0 computed for these files (fingerprint.test.ts pinned them).
type ChangedName = 'OutboundRequest' | 'OutboundResult' | 'DeadLetter' | 'RawWebhook'
interface Previous {
  name: ChangedName
  version: string
  text: string
  javaFingerprint: bigint
  /** Fields added since, with their defaults. */
  added: Record<string, unknown>
  /** Enum symbols appended since, by enum name. */
  addedSymbols?: Record<string, string[]>
}
const PREVIOUS: Previous[] = [
  { name: 'OutboundResult', version: 'before settlement', text: OUTBOUND_RESULT_BEFORE_SETTLEMENT, javaFingerprint: 0x655f70bcde887a8bn, added: { reason: null, settlement: null, message_type: null, window_open: null }, addedSymbols: { ResultStatus: ['cancelled'], ErrorClass: ['suppressed', 'outside_window', 'template_invalid'] } },
  { name: 'DeadLetter', version: 'before truncation', text: DEAD_LETTER_BEFORE_TRUNCATION, javaFingerprint: 0x56acdbe7ce080f64n, added: { original_truncated: false, original_size: 0 }, addedSymbols: { ErrorClass: ['suppressed', 'outside_window', 'template_invalid'] } },
  { name: 'RawWebhook', version: 'before truncation', text: RAW_WEBHOOK_BEFORE_TRUNCATION, javaFingerprint: 0x41994df1096f7ad8n, added: { body_truncated: false, body_size: 0 } },
  { name: 'OutboundRequest', version: 'before scheduling', text: OUTBOUND_REQUEST_BEFORE_SCHEDULING, javaFingerprint: 0xf11685a866042c84n, added: { send_at: null, priority: null } },
  { name: 'OutboundResult', version: 'before scheduling', text: OUTBOUND_RESULT_BEFORE_SCHEDULING, javaFingerprint: 0x9b931a88e8f24b67n, added: { message_type: null, window_open: null }, addedSymbols: { ResultStatus: ['cancelled'], ErrorClass: ['suppressed', 'outside_window', 'template_invalid'] } },
  { name: 'DeadLetter', version: 'before scheduling', text: DEAD_LETTER_BEFORE_SCHEDULING, javaFingerprint: 0xfb2067f826bd9aabn, added: {}, addedSymbols: { ErrorClass: ['suppressed', 'outside_window', 'template_invalid'] } },
  { name: 'OutboundResult', version: 'before windows', text: OUTBOUND_RESULT_BEFORE_WINDOWS, javaFingerprint: 0x0581d405376be0aen, added: { message_type: null, window_open: null }, addedSymbols: { ErrorClass: ['outside_window', 'template_invalid'] } },
  { name: 'DeadLetter', version: 'before windows', text: DEAD_LETTER_BEFORE_WINDOWS, javaFingerprint: 0x2e8c310db84a384an, added: {}, addedSymbols: { ErrorClass: ['outside_window', 'template_invalid'] } },
  { name: 'OutboundResult', version: 'before limits', text: OUTBOUND_RESULT_BEFORE_LIMITS, javaFingerprint: 0x7602d024fbbac2cdn, added: { message_type: null, window_open: null } }
]
const isChanged = (name: string): name is ChangedName => PREVIOUS.some((p) => p.name === name)
const versionsOf = (name: string) => PREVIOUS.filter((p) => p.name === name)
const previousJson = (p: Previous) => JSON.parse(p.text) as SchemaJson

/** A value as the previous schema has it: without the added fields. */
function withoutAdded (p: Previous, value: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !(key in p.added)))
}

/** A schema (part) without the enum symbols appended since `p`. */
function withoutAddedSymbols (p: Previous, node: unknown): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutAddedSymbols(p, n))
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) out[key] = withoutAddedSymbols(p, value)
  const added = out.type === 'enum' ? p.addedSymbols?.[String(out.name)] : undefined
  if (added) out.symbols = (out.symbols as string[]).filter((s) => !added.includes(s))
  return out
}

/** Whether a fixture value can be written with the previous schema (it uses no symbol added since). */
function fitsPrevious (p: Previous, value: object): boolean {
  const symbols = Object.values(p.addedSymbols ?? {}).flat()
  const uses = (v: unknown): boolean => typeof v === 'string' ? symbols.includes(v) : typeof v === 'object' && v !== null && Object.values(v).some(uses)
  return !uses(value)
}

test('the inlined previous schemas are the files Avro Java fingerprinted, and differ from the current ones only by the added fields and enum symbols', () => {
  for (const p of PREVIOUS) {
    const label = `${p.name} ${p.version}`
    const fingerprint = schemaFingerprint(avro.Type.forSchema(previousJson(p) as avro.Schema)).readBigUInt64LE()
    assert.equal(fingerprint, p.javaFingerprint, label)
    assert.notEqual(Buffer.from(createCodec().fingerprintHex(p.name), 'hex').readBigUInt64LE(), fingerprint, label)
    const current = loadSchemaJson(p.name) as SchemaJson
    const kept = current.fields.filter((f) => !(String(f.name) in p.added)).map((f) => withoutAddedSymbols(p, f))
    const strip = (f: Record<string, unknown>) => JSON.parse(JSON.stringify(f, (key, value) => key === 'doc' ? undefined : value)) as unknown
    assert.deepEqual(kept.map((f) => strip(f as Record<string, unknown>)), previousJson(p).fields.map(strip), label)
    for (const added of Object.keys(p.added)) {
      assert.ok(current.fields.some((f) => f.name === added && 'default' in f), `${label}: ${added} has a default`)
    }
  }
})

/** Every (previous version, fixture of that record) pair whose value the previous version can hold. */
function pairs () {
  return PREVIOUS.flatMap((p) => ALL_FIXTURES.filter((f) => f.name === p.name && fitsPrevious(p, f.value)).map((f) => ({ p, label: `${f.label} / ${p.version}`, name: p.name, value: f.value })))
}

test('avsc resolution: a record of a previous schema reads into the current one with the defaults, and back', () => {
  for (const { p, label, name, value } of pairs()) {
    const previous = avro.Type.forSchema(previousJson(p) as avro.Schema)
    const current = schemas[name]
    const oldValue = withoutAdded(p, value)
    const upgraded = current.fromBuffer(previous.toBuffer(oldValue), current.createResolver(previous))
    assert.deepEqual(plain(upgraded), { ...oldValue, ...p.added }, label)
    const downgraded = previous.fromBuffer(current.toBuffer(value), previous.createResolver(current))
    assert.deepEqual(plain(downgraded), oldValue, label)
  }
})

test('a value with an enum symbol added since is read by an old reader as the enum\'s default', () => {
  const p = versionsOf('OutboundResult').find((v) => v.version === 'before scheduling')!
  const previous = avro.Type.forSchema(previousJson(p) as avro.Schema)
  const current = schemas.OutboundResult
  const value = ALL_FIXTURES.find((f) => f.name === 'OutboundResult')!.value as unknown as Record<string, unknown>
  const cancelled = { ...value, status: 'cancelled', error: { code: null, subcode: null, message: 'suppressed', details: null, class: 'suppressed', fbtrace_id: null } }
  const read = plain(previous.fromBuffer(current.toBuffer(cancelled), previous.createResolver(current))) as Record<string, any>
  assert.equal(read.status, 'unknown')
  assert.equal(read.error.class, 'ambiguous')
})

test('the codec decodes records a producer with a previous .avsc wrote, filling the new fields with their defaults', () => {
  const current = createCodec({ writers: PREVIOUS.map(previousJson) })
  for (const { p, label, name, value } of pairs()) {
    const oldProducer = createCodec({ readers: { [name]: previousJson(p) } })
    const oldValue = withoutAdded(p, value)
    const buf = oldProducer.encode(name, oldValue as never)
    assert.equal(buf.subarray(2, 10).readBigUInt64LE(), p.javaFingerprint, label)
    const decoded = current.decode(buf, name)
    assert.equal(decoded.fingerprint, oldProducer.fingerprintHex(name), label)
    assert.deepEqual(plain(decoded.value), { ...oldValue, ...p.added }, label)
  }
})

test('a consumer holding a previous .avsc reads current records (new fields dropped) once it has the new writer schema', () => {
  const producer = createCodec()
  for (const { p, label, name, value } of pairs()) {
    const buf = producer.encode(name, value as never)
    // Single-object records carry only the writer's fingerprint: the new schema must be made known
    // to the old consumer (ship the new .avsc beside the old one, or use the registry's format).
    const unaware = createCodec({ readers: { [name]: previousJson(p) } })
    assert.throws(() => unaware.decode(buf), isCode('SCHEMA_UNKNOWN_FINGERPRINT'), label)
    const oldConsumer = createCodec({ readers: { [name]: previousJson(p) }, writers: [loadSchemaJson(name)] })
    const decoded = oldConsumer.decode(buf, name)
    assert.equal(decoded.fingerprint, producer.fingerprintHex(name), label)
    assert.deepEqual(plain(decoded.value), withoutAdded(p, value), label)
  }
})

test('every changed record has a fixture for each of its previous versions', () => {
  for (const p of PREVIOUS) assert.ok(pairs().some((x) => x.p === p), `${p.name} ${p.version}`)
  assert.ok(isChanged('OutboundRequest'))
})
