import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import type { PartSpec } from '../src/parts.ts'
import { waitReady } from '../src/start-stack.ts'

const part = (readyUrl: string) => ({ spec: { name: 'metrics', readyUrl } as PartSpec, child: { exitCode: null } as ChildProcess })

test('a part that answers not ready until the timeout fails with what its last probe said', async (t) => {
  let probes = 0
  const server = createServer((_req, res) => { probes++; res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"not_ready","checks":{"changelog":{"ok":false,"detail":"restoring"}}}') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => server.close())
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`
  await assert.rejects(waitReady(part(url), 1000), (err: Error) =>
    err.message === `metrics was not ready at ${url} within 1 s (last probe: 503 {"status":"not_ready","checks":{"changelog":{"ok":false,"detail":"restoring"}}})`)
  assert.ok(probes >= 2, `probed ${probes} times`)
})

test('a probe that hangs is given up after 5 s and the next one succeeds', async (t) => {
  let probes = 0
  const server = createServer((_req, res) => {
    // The first request never gets an answer; the next ones are ready.
    if (probes++ === 0) return
    res.writeHead(200).end('{"status":"ready"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => { server.closeAllConnections(); server.close() })
  await waitReady(part(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`), 20_000)
  assert.equal(probes, 2)
})

test('a part that exits while starting fails at once', async () => {
  await assert.rejects(waitReady({ spec: { name: 'egress', readyUrl: 'http://127.0.0.1:9/readyz' } as PartSpec, child: { exitCode: 3 } as ChildProcess }, 10_000),
    /egress exited with code 3 while starting/)
})
