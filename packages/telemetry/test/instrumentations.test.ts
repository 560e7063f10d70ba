import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startOtlpReceiver } from './helpers/otlp-receiver.ts'

const fixture = fileURLToPath(new URL('./fixtures/active-span.ts', import.meta.url))
const register = fileURLToPath(new URL('../src/register.ts', import.meta.url))
const HTTP = '@opentelemetry/instrumentation-http'
const UNDICI = '@opentelemetry/instrumentation-undici'

/** Runs the fixture in a fresh process whose telemetry the preload starts from `env`. */
function run (env: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, PROMETHEUS_PORT: '0', ...env }
    delete childEnv.NODE_TEST_CONTEXT
    execFile(process.execPath, ['--conditions=source', `--import=${register}`, fixture], { env: childEnv, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

async function served (env: Record<string, string>): Promise<{ instrumentations: string[], activeSpan: boolean }> {
  const out = await run(env)
  assert.equal(out.code, 0, out.stderr)
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as { instrumentations: string[], activeSpan: boolean }
}

async function otlpUrl (t: TestContext): Promise<string> {
  return (await startOtlpReceiver(t)).url
}

test('with Prometheus alone no instrumentation runs (their spans would go nowhere): a request has no span', async () => {
  assert.deepEqual(await served({}), { instrumentations: [], activeSpan: false })
})

test('with traces exported (OTLP) http and undici run: a request has its server span', async (t) => {
  const result = await served({ OTEL_EXPORTER_OTLP_ENDPOINT: await otlpUrl(t) })
  assert.deepEqual([...result.instrumentations].sort(), [HTTP, UNDICI])
  assert.equal(result.activeSpan, true)
})

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS chooses: http with Prometheus alone, none with OTLP', async (t) => {
  assert.deepEqual(await served({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' }), { instrumentations: [HTTP], activeSpan: true })
  assert.deepEqual(await served({ OTEL_EXPORTER_OTLP_ENDPOINT: await otlpUrl(t), OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'none' }), { instrumentations: [], activeSpan: false })
})

test('an unknown instrumentation stops the preload with the reason', async () => {
  const out = await run({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,kafkajs' })
  assert.notEqual(out.code, 0)
  assert.match(out.stderr, /OTEL_NODE_ENABLED_INSTRUMENTATIONS: unknown instrumentation kafkajs: must be http, undici \(comma-separated\) or none/)
})
