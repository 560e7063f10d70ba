import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve as resolvePath } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { findFreePorts } from '../src/free-ports.ts'

const cli = resolvePath(fileURLToPath(import.meta.url), '../../src/cli.ts')

function run (...args: string[]): Promise<{ code: number, output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=source', cli, ...args], { timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout + stderr })
    })
  })
}

const exists = (path: string) => access(path).then(() => true, () => false)

test('kafka:reset stops the broker and deletes its state: the next start is a fresh broker (and transactions refuses bad arguments)', { timeout: 180_000 }, async (t) => {
  const stateDir = join(await mkdtemp(join(tmpdir(), 'wabridge-kafka-reset-')), 'kafka')
  const port = String(await findFreePorts(2))
  t.after(async () => {
    await run('stop', '--state-dir', stateDir)
    await rm(join(stateDir, '..'), { recursive: true, force: true })
  })
  const started = await run('start', '--state-dir', stateDir, '--port', port)
  assert.equal(started.code, 0, started.output)
  assert.equal((await run('status', '--state-dir', stateDir)).code, 0)
  assert.ok(await exists(join(stateDir, 'node-1', 'data')))

  // transactions: usage errors exit 2 with the reason; a topic with no open transaction exits 0.
  const noTopic = await run('transactions', '--state-dir', stateDir)
  assert.equal(noTopic.code, 2, noTopic.output)
  assert.match(noTopic.output, /transactions needs a topic/)
  const badList = await run('transactions', 'some-topic', '--partitions', '0,x', '--state-dir', stateDir)
  assert.equal(badList.code, 2, badList.output)
  assert.match(badList.output, /--partitions must be partition numbers/)
  const unknown = await run('transactions', 'no-such-topic', '--state-dir', stateDir)
  assert.equal(unknown.code, 1, unknown.output)
  assert.match(unknown.output, /\[kafka\] .*(does not host|not exist|unknown)/i)

  const reset = await run('reset', '--state-dir', stateDir)
  assert.equal(reset.code, 0, reset.output)
  assert.match(reset.output, /deleted/)
  assert.equal(await exists(stateDir), false, 'the state dir is gone')
  const status = await run('status', '--state-dir', stateDir, '--port', port)
  assert.equal(status.code, 3, status.output)
  assert.match(status.output, /stopped/)
})
