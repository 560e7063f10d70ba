import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const PART = fileURLToPath(new URL('./fixtures/part.ts', import.meta.url))

interface Run { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/** Runs the fixture part; `act` gets it once it printed "ready". */
async function run (mode: string, act: (child: ReturnType<typeof spawn>) => void = () => {}, ipc = false): Promise<Run> {
  const child = spawn(process.execPath, ['--conditions=source', PART], {
    env: { ...process.env, FIXTURE_MODE: mode }, stdio: ['ignore', 'pipe', 'pipe', ...ipc ? ['ipc' as const] : []]
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    const isFirst = !stdout.includes('ready')
    stdout += chunk.toString()
    if (isFirst && stdout.includes('ready')) act(child)
  })
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  // Bounded: a part that hangs is killed, and the assertions say how it ended.
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
  clearTimeout(kill)
  return { code, signal, stdout, stderr }
}

test('SIGTERM drains, then exits 0', async () => {
  const r = await run('slow', (child) => child.kill('SIGTERM'))
  assert.deepEqual([r.code, r.signal], [0, null], r.stdout + r.stderr)
  assert.match(r.stdout, /"signal":"SIGTERM","msg":"fixture stopping"[\s\S]*draining[\s\S]*drained[\s\S]*"exitCode":0/)
})

test('a fatal error reported by the app stops it and exits 1', async () => {
  const r = await run('fatal')
  assert.deepEqual([r.code, r.signal], [1, null], r.stdout + r.stderr)
  assert.match(r.stdout, /fixture failed, stopping[\s\S]*drained[\s\S]*"exitCode":1/)
})

test('an uncaught exception stops the part and exits 1', async () => {
  const r = await run('throw')
  assert.deepEqual([r.code, r.signal], [1, null], r.stdout + r.stderr)
  assert.match(r.stdout, /"message":"bug"|fixture failed, stopping/)
})

test('a failed start stops what started and exits 1', async () => {
  const r = await run('fail-start')
  assert.deepEqual([r.code, r.signal], [1, null], r.stdout + r.stderr)
  assert.match(r.stdout, /fixture failed, stopping[\s\S]*drained/)
})

test('a bad configuration is one stderr line and exit 1', async () => {
  const r = await run('bad-config')
  assert.deepEqual([r.code, r.stderr], [1, 'fixture: invalid configuration: FIXTURE: must be set\n'])
})

test('a drain past SHUTDOWN_TIMEOUT_MS plus the flush allowance exits 1; a second signal exits at once', async () => {
  const timedOut = await run('hang', (child) => child.kill('SIGTERM'))
  assert.deepEqual([timedOut.code, timedOut.signal], [1, null], timedOut.stdout)
  assert.match(timedOut.stdout, /shutdown timed out/)
  const twice = await run('hang', (child) => { child.kill('SIGTERM'); setTimeout(() => child.kill('SIGTERM'), 200) })
  assert.deepEqual([twice.code, twice.signal], [1, null], twice.stdout)
  assert.match(twice.stdout, /second signal, exiting now/)
  assert.doesNotMatch(twice.stdout, /shutdown timed out/)
})

test('the parent closing the IPC channel stops the part like a signal', async () => {
  const r = await run('slow', (child) => child.disconnect(), true)
  assert.deepEqual([r.code, r.signal], [0, null], r.stdout + r.stderr)
  assert.match(r.stdout, /"signal":"parent disconnected"[\s\S]*drained/)
})
