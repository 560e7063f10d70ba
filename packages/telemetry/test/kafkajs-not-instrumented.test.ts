import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { register } from 'node:module'
import { test } from 'node:test'
import { startTelemetry } from '../src/index.ts'

// The strongest case for the instrumentation: the ESM loader hook runs before kafkajs is loaded,
// so a kafkajs instrumentation in the SDK would be active (kafkajs-instrumentation-control.test.ts).
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)

test('kafkajs is not instrumented on purpose: coalesced records keep their own request\'s trace, and no kafkajs span is exported', async (t) => {
  const { startOtlpReceiver } = await import('./helpers/otlp-receiver.ts')
  const receiver = await startOtlpReceiver(t)
  const handle = await startTelemetry({ serviceName: 'kafkajs-test', otlpEndpoint: receiver.url, exportIntervalMs: 60_000 })
  t.after(() => handle.shutdown())
  assert.deepEqual([...handle.instrumentations].sort(), ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-undici'])

  const { produceCoalesced } = await import('./helpers/coalesced-produce.ts')
  const outcome = await produceCoalesced(t)
  assert.equal(outcome.batches, 1, 'the four records went out in one produce request')
  assert.deepEqual(Object.fromEntries(outcome.recordTraces), Object.fromEntries(outcome.requestTraces), 'each record carries the trace of the request that produced it')

  await handle.shutdown()
  const names = receiver.spanNames()
  assert.deepEqual(names.filter((n) => n.startsWith('request ')).sort(), ['request a', 'request b', 'request c', 'request d'], 'the request spans reached the OTLP receiver')
  assert.deepEqual(names.filter((n) => n.includes(outcome.topic)), [], 'no kafkajs send/process span')
})

test('the README says why kafkajs is not instrumented', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  assert.match(readme, /## Why kafkajs is not instrumented/)
  assert.match(readme, /instrumentation-kafkajs/)
})
