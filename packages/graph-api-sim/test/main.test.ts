import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

test('main.ts prints where it listens, serves, and exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--conditions=source', main], {
    env: { ...process.env, SIM_PORT: '0', SIM_HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 15_000)
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1]) { clearTimeout(timer); resolve(m[1]) }
    })
    child.on('exit', () => { clearTimeout(timer); reject(new Error(`exited early: ${out}`)) })
  })
  assert.deepEqual(await (await fetch(`${url}/_sim/healthz`)).json(), { status: 'ok', service: 'graph-api-sim', checks: {} })
  assert.deepEqual(await (await fetch(`${url}/_sim/readyz`)).json(), { status: 'ready', service: 'graph-api-sim', checks: {} })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  child.kill('SIGTERM')
  assert.equal(await exit, 0)
})
