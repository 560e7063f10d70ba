import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

// The whole repository — every workspace's sources, the tests, scripts and examples — type-checked as
// one TypeScript program (tsconfig.eslint.json: the base options, as every workspace's tsconfig). The
// builds of npm test emit without checking (--noCheck): this is where a type error fails the run, once
// per file instead of once per workspace that imports it.
test('tsc finds no type error anywhere in the repository', async () => {
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url))
  const outcome = await run(process.execPath, [tsc, '-p', 'tsconfig.eslint.json', '--noEmit', '--pretty', 'false'], { cwd: root, maxBuffer: 64 * 1024 * 1024 })
    .then(() => ({ code: 0, stdout: '' }), (err: { code?: number, stdout?: string, message: string }) => ({ code: err.code ?? 1, stdout: err.stdout ?? err.message }))
  const errors = outcome.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
  assert.deepEqual(errors, [])
  assert.equal(outcome.code, 0, outcome.stdout)
})
