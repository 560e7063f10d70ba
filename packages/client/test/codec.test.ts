import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import { createCodec as createGatewayCodec, fingerprintHex, SCHEMA_FILES } from '@wabridge/schemas'
import { inboundMessage, inboundStatus, outboundRequest, outboundResult, plain, settlementResult } from '../../schemas/test/fixtures/records.ts'
import { startFakeRegistry } from '../../schemas/test/helpers/fake-registry.ts'
import { createCodec, schemaFileUrl } from '../src/codec.ts'
import { ClientError } from '../src/index.ts'
import { RECORD_NAMES } from '../src/records.ts'
import { createSchemaRegistry } from '../src/registry.ts'

const gateway = createGatewayCodec()
const isDecodeError = (err: unknown) => err instanceof ClientError && err.code === 'CLIENT_DECODE_FAILED'

test('the bundled .avsc files are the gateway\'s, byte for byte (run `npm run build` in packages/client after changing a schema)', async () => {
  for (const name of RECORD_NAMES) {
    assert.equal(await readFile(schemaFileUrl(name), 'utf8'), await readFile(SCHEMA_FILES[name], 'utf8'), name)
  }
})

test('fingerprints are the gateway\'s', () => {
  const codec = createCodec()
  for (const name of RECORD_NAMES) assert.equal(codec.fingerprintHex(name), fingerprintHex(name), name)
})

test('a request is encoded byte for byte as the gateway encodes it', async () => {
  const buf = await createCodec().serialize('wa.outbound.requests', 'OutboundRequest', outboundRequest)
  assert.ok(buf.equals(gateway.encode('OutboundRequest', outboundRequest)))
})

test('records the gateway writes decode to the same values', async () => {
  const codec = createCodec()
  assert.deepEqual(plain(await codec.deserialize(gateway.encode('InboundMessage', inboundMessage), 'InboundMessage')), inboundMessage)
  assert.deepEqual(plain(await codec.deserialize(gateway.encode('InboundStatus', inboundStatus), 'InboundStatus')), inboundStatus)
  assert.deepEqual(plain(await codec.deserialize(gateway.encode('OutboundResult', outboundResult), 'OutboundResult')), outboundResult)
  assert.deepEqual(plain(await codec.deserialize(gateway.encode('OutboundResult', settlementResult), 'OutboundResult')), settlementResult)
})

test('another record type, a foreign value or a truncated body is CLIENT_DECODE_FAILED', async () => {
  const codec = createCodec()
  await assert.rejects(codec.deserialize(gateway.encode('InboundStatus', inboundStatus), 'InboundMessage'), (err: unknown) => isDecodeError(err) && /fingerprint/.test((err as Error).message))
  await assert.rejects(codec.deserialize(Buffer.from('{"type":"text"}'), 'InboundMessage'), isDecodeError)
  await assert.rejects(codec.deserialize(gateway.encode('InboundMessage', inboundMessage).subarray(0, 20), 'InboundMessage'), isDecodeError)
  await assert.rejects(codec.deserialize(Buffer.from([0, 0, 0, 0, 1, 2]), 'InboundMessage'), (err: unknown) => isDecodeError(err) && /schemaRegistryUrl/.test((err as Error).message))
})

test('with a registry: Confluent records of the gateway decode, and requests are registered and framed as the gateway frames them', async (t) => {
  const registry = await startFakeRegistry(t)
  const gatewayConfluent = createGatewayCodec({ registry: registry.url })
  const codec = createCodec(createSchemaRegistry(registry.url))
  assert.equal(codec.wireFormat, 'confluent')
  const written = await gatewayConfluent.serialize('wa.inbound.messages', 'InboundMessage', inboundMessage)
  assert.deepEqual(plain(await codec.deserialize(written, 'InboundMessage')), inboundMessage)
  await assert.rejects(codec.deserialize(written, 'OutboundResult'), isDecodeError)
  const request = await codec.serialize('wa.outbound.requests', 'OutboundRequest', outboundRequest)
  assert.ok(request.equals(await gatewayConfluent.serialize('wa.outbound.requests', 'OutboundRequest', outboundRequest)))
})
