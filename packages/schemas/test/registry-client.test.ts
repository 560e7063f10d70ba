import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { createSchemaRegistryClient, SchemaError } from '../src/index.ts'
import { startFakeRegistry } from './helpers/fake-registry.ts'

const schema = JSON.stringify({ type: 'record', name: 'R', namespace: 'x', fields: [{ name: 'a', type: 'int' }] })
const isCode = (code: string) => (err: unknown) => err instanceof SchemaError && err.code === code

test('registers a schema and reads it back by id', async (t) => {
  const registry = await startFakeRegistry(t)
  const client = createSchemaRegistryClient({ url: registry.url })
  const id = await client.register('orders-value', schema)
  assert.equal(await createSchemaRegistryClient({ url: registry.url }).getSchema(id), schema)
  assert.deepEqual(registry.subjects.get('orders-value'), [id])
})

test('sends user:password from the URL as Basic auth, and not in the URL', async (t) => {
  const registry = await startFakeRegistry(t)
  const url = new URL(registry.url)
  url.username = 'svc'
  url.password = 'p@ss:word'
  await createSchemaRegistryClient({ url: url.href }).register('s-value', schema)
  assert.deepEqual(registry.authorizations, [`Basic ${Buffer.from('svc:p@ss:word').toString('base64')}`])
  assert.deepEqual(registry.calls, ['POST /subjects/s-value/versions'])
})

test('encodes the subject in the path and keeps a base path (e.g. Apicurio\'s ccompat API)', async (t) => {
  const registry = await startFakeRegistry(t)
  const client = createSchemaRegistryClient({ url: `${registry.url}/` })
  await client.register('a/b value', schema)
  assert.deepEqual(registry.calls, ['POST /subjects/a%2Fb%20value/versions'])
})

test('a schema the registry refuses is a permanent SCHEMA_REGISTRY_FAILED', async (t) => {
  const registry = await startFakeRegistry(t)
  const client = createSchemaRegistryClient({ url: registry.url })
  await assert.rejects(client.register('s-value', '{"type":"nonsense"}'), (err: unknown) =>
    isCode('SCHEMA_REGISTRY_FAILED')(err) && !(err as SchemaError).retryable && /HTTP 422/.test((err as Error).message))
})

test('an unreachable registry is a retryable SCHEMA_REGISTRY_FAILED, and the failure is not cached', async (t) => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const client = createSchemaRegistryClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000 })
  await assert.rejects(client.getSchema(1), (err: unknown) => isCode('SCHEMA_REGISTRY_FAILED')(err) && (err as SchemaError).retryable)
  const registry = await startFakeRegistry(t)
  registry.failWith(500)
  const flaky = createSchemaRegistryClient({ url: registry.url })
  await assert.rejects(flaky.register('s-value', schema), isCode('SCHEMA_REGISTRY_FAILED'))
  registry.failWith(undefined)
  assert.equal(typeof await flaky.register('s-value', schema), 'number')
})
