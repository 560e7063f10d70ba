import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { meetsFloor, NODE_FLOOR, nodeFloorProblem } from '../src/index.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../..', import.meta.url))

test('versions are compared part by part, not as strings', () => {
  assert.equal(NODE_FLOOR, '22.18.0')
  assert.equal(meetsFloor('24.21.0'), true)
  assert.equal(meetsFloor('v22.18.0'), true)
  assert.equal(meetsFloor('22.100.0'), true)
  assert.equal(meetsFloor('22.17.9'), false)
  assert.equal(meetsFloor('20.20.2'), false)
  assert.equal(meetsFloor('9.0.0'), false)
  assert.equal(nodeFloorProblem('24.0.0'), undefined)
  assert.match(nodeFloorProblem('20.20.2')!, /needs Node\.js >= 22\.18\.0.*this is Node\.js 20\.20\.2/s)
  assert.match(nodeFloorProblem('20.20.2')!, /--ignore-scripts/)
})

test('the suite itself runs on a Node that meets the floor', () => {
  assert.equal(nodeFloorProblem(), undefined, `running on ${process.version}`)
})

/** A Node older than the floor on this machine (the system's Node 20), if there is one. */
async function olderNode (): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const { stdout } = await run(candidate, ['--version'])
      if (!meetsFloor(stdout.trim())) return candidate
    } catch {}
  }
  return undefined
}

test('every entry point refuses an older Node with the reason and exits 1', async (t) => {
  const node = await olderNode()
  if (node === undefined) return t.skip('no Node.js older than the floor on this machine')
  const entries = ['services/ingress/src/main.ts', 'services/egress/src/main.ts', 'services/metrics/src/main.ts',
    'packages/graph-api-sim/src/main.ts', 'packages/cli/src/main.ts', 'scripts/start.ts', 'scripts/test.ts']
  for (const entry of entries) {
    const result: { code: number, stderr: string } = await run(node, ['--import', 'tsx', '--conditions=source', entry], { cwd: root, env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' } })
      .then(() => ({ code: 0, stderr: '' }), (err: { code: number, stderr: string }) => err)
    assert.equal(result.code, 1, `${entry} exit code`)
    assert.match(result.stderr, /^wabridge needs Node\.js >= 22\.18\.0/, entry)
  }
})
