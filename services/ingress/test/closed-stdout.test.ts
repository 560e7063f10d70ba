import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { testEnv } from './helpers.ts'
import { freePort } from '@wabridge/local-kafka'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

// The parent that read the logs is gone (its end of the pipe closed): pino's default destination
// then retried the failed write forever on exit, and the ingress ignored SIGTERM.
test('SIGTERM stops the ingress when its stdout pipe was closed by the reader', { timeout: 60_000 }, async (t) => {
  const port = await freePort()
  const env = testEnv({ LOG_LEVEL: 'info', INGRESS_PORT: String(port) })
  const child = spawn(process.execPath, ['--conditions=source', MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdout.resume()
  for (;;) {
    assert.equal(child.exitCode, null, `the ingress exited while starting: ${stderr}`)
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)
    if (ready) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  child.stdout.destroy()
  child.kill('SIGTERM')
  // Bounded, not timed: a part that hangs is killed after 10 s and the test reports how it ended.
  const kill = setTimeout(() => child.kill('SIGKILL'), 10_000)
  const [code, signal] = await exited
  clearTimeout(kill)
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, `the ingress did not stop on SIGTERM within 10 s: ${stderr}`)
})
