import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, fingerprintHex, loadSchemaJson, SCHEMA_NAMES, SchemaError } from '../src/index.ts'
import { plain, RECORDS } from './fixtures/records.ts'
import { startFakeRegistry } from './helpers/fake-registry.ts'

const isCode = (code: string) => (err: unknown) => err instanceof SchemaError && err.code === code

test('with a registry, serialize writes 00 + big-endian schema id + Avro body, registered under <topic>-value', async (t) => {
  const registry = await startFakeRegistry(t)
  const codec = createCodec({ registry: registry.url })
  assert.equal(codec.wireFormat, 'confluent')
  const buf = await codec.serialize('wa.outbound.results', 'OutboundResult', RECORDS.OutboundResult)
  const id = registry.subjects.get('wa.outbound.results-value')?.[0]
  assert.equal(typeof id, 'number')
  assert.equal(buf[0], 0)
  assert.equal(buf.readInt32BE(1), id)
  // The body is the same Avro binary as in single-object encoding.
  assert.ok(buf.subarray(5).equals(createCodec().encode('OutboundResult', RECORDS.OutboundResult).subarray(10)))
  assert.deepEqual(registry.calls, ['POST /subjects/wa.outbound.results-value/versions'])
})

test('every record type round-trips through the registry; a fresh codec fetches the schema by id', async (t) => {
  const registry = await startFakeRegistry(t)
  const writer = createCodec({ registry: registry.url })
  const reader = createCodec({ registry: { url: registry.url, timeoutMs: 2000 } })
  for (const name of SCHEMA_NAMES) {
    const buf = await writer.serialize(`topic.${name}`, name, RECORDS[name] as never)
    const decoded = await reader.deserialize(buf)
    assert.equal(decoded.schema, name)
    assert.equal(decoded.schemaId, buf.readInt32BE(1))
    assert.deepEqual(plain(decoded.value), RECORDS[name], name)
  }
  assert.equal(registry.calls.filter((c) => c.startsWith('GET /schemas/ids/')).length, SCHEMA_NAMES.length)
})

test('the registered schema keeps docs and defaults (the registry needs defaults for compatibility checks)', async (t) => {
  const registry = await startFakeRegistry(t)
  const codec = createCodec({ registry: registry.url })
  const buf = await codec.serialize('wa.alerts', 'Alert', RECORDS.Alert)
  const res = await fetch(`${registry.url}/schemas/ids/${buf.readInt32BE(1)}`)
  const { schema } = await res.json() as { schema: string }
  assert.deepEqual(JSON.parse(schema), loadSchemaJson('Alert'))
})

test('ids are cached both ways: one registration per subject and schema, one lookup per id', async (t) => {
  const registry = await startFakeRegistry(t)
  const codec = createCodec({ registry: registry.url })
  const bufs = await Promise.all([1, 2, 3].map(() => codec.serialize('wa.alerts', 'Alert', RECORDS.Alert)))
  await codec.serialize('wa.alerts', 'Alert', RECORDS.Alert)
  await codec.serialize('other', 'Alert', RECORDS.Alert)
  for (const buf of bufs) await codec.deserialize(buf)
  const reader = createCodec({ registry: registry.url })
  await Promise.all(bufs.map((buf) => reader.deserialize(buf, 'Alert')))
  assert.deepEqual(registry.calls, [
    'POST /subjects/wa.alerts-value/versions',
    'POST /subjects/other-value/versions',
    `GET /schemas/ids/${bufs[0]!.readInt32BE(1)}`
  ])
})

test('deserialize detects the format: single-object records decode without the registry', async (t) => {
  const registry = await startFakeRegistry(t)
  const codec = createCodec({ registry: registry.url })
  const decoded = await codec.deserialize(createCodec().encode('InboundEvent', RECORDS.InboundEvent), 'InboundEvent')
  assert.equal(decoded.fingerprint, fingerprintHex('InboundEvent'))
  assert.deepEqual(plain(decoded.value), RECORDS.InboundEvent)
  assert.deepEqual(registry.calls, [])
})

test('an older writer schema from the registry resolves into the current reader schema', async (t) => {
  const registry = await startFakeRegistry(t)
  const v1 = loadSchemaJson('OutboundRequest') as { fields: unknown[] }
  const v0 = { ...v1, fields: v1.fields.filter((f) => (f as { name: string }).name !== 'created_at') }
  const oldCodec = createCodec({ registry: registry.url, readers: { OutboundRequest: v0 } })
  const { created_at: _, ...oldValue } = RECORDS.OutboundRequest
  const buf = await oldCodec.serialize('wa.outbound.requests', 'OutboundRequest', oldValue as never)
  const decoded = await createCodec({ registry: registry.url }).deserialize(buf, 'OutboundRequest')
  assert.deepEqual(plain(decoded.value), { ...RECORDS.OutboundRequest, created_at: null })
})

test('an unknown schema id is SCHEMA_UNKNOWN_ID; a failing registry is retryable SCHEMA_REGISTRY_FAILED', async (t) => {
  const registry = await startFakeRegistry(t)
  const codec = createCodec({ registry: registry.url })
  await assert.rejects(codec.deserialize(Buffer.from([0, 0, 0, 0x30, 0x39, 2])), (err: unknown) =>
    isCode('SCHEMA_UNKNOWN_ID')(err) && /12345/.test((err as Error).message) && !(err as SchemaError).retryable)
  registry.failWith(503)
  await assert.rejects(codec.serialize('wa.alerts', 'Alert', RECORDS.Alert), (err: unknown) =>
    isCode('SCHEMA_REGISTRY_FAILED')(err) && (err as SchemaError).retryable && /HTTP 503: registry unavailable/.test((err as Error).message))
  registry.failWith(undefined)
  assert.equal((await codec.serialize('wa.alerts', 'Alert', RECORDS.Alert))[0], 0)
})

test('an invalid value fails before any registry call', async (t) => {
  const registry = await startFakeRegistry(t)
  const codec = createCodec({ registry: registry.url })
  await assert.rejects(codec.serialize('wa.alerts', 'Alert', { ...RECORDS.Alert, state: 'pending' } as never), isCode('SCHEMA_INVALID_VALUE'))
  assert.deepEqual(registry.calls, [])
})
