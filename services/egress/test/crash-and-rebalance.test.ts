import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { topicNames } from '@wabridge/kafka'
import type { OutboundResult } from '@wabridge/schemas'
import { collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url))

function spawnEgress (env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', mainTs], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.resume()
  return child
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode)
  else child.once('exit', (code) => resolve(code))
})

/** Every request has exactly one result, and the sim never accepted a request twice. */
function assertExactlyOnce (results: OutboundResult[], ids: string[], duplicates: unknown[]): void {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(r.request_id, (counts.get(r.request_id) ?? 0) + 1)
  const missing = ids.filter((id) => !counts.has(id))
  const doubled = [...counts].filter(([, n]) => n > 1)
  assert.deepEqual(missing, [], 'requests without a result')
  assert.deepEqual(doubled, [], 'requests with more than one result')
  assert.deepEqual(duplicates, [], 'messages the Graph API received twice')
}

test('egress killed with SIGKILL mid-run and restarted: exactly one result per request, nothing sent twice', { timeout: 240_000 }, async (t) => {
  const prefix = `kill-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { latency: { kind: 'fixed', ms: 30 } })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 3)
  const producer = await requestProducer(t, kafka)
  const requests = ['4001', '4002', '4003'].flatMap((n) => Array.from({ length: 200 }, (_, i) => textRequest(n, `+1888${String(i).padStart(7, '0')}`, `${n}-${i}`)))
  await produceRequests(producer, prefix, requests)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const env = testEnv(prefix, sim.url, { GRAPH_TIMEOUT_MS: '2000', LOG_LEVEL: 'error' })

  const first = spawnEgress(env)
  t.after(() => { first.kill('SIGKILL') })
  await waitFor(() => sim.accepted().length >= 150, 90_000, () => `150 accepted, have ${sim.accepted().length}`)
  first.kill('SIGKILL')
  await exited(first)
  const sentBeforeKill = sim.accepted().length
  assert.ok(sentBeforeKill < requests.length, 'the first instance finished before it was killed')

  const second = spawnEgress(env)
  t.after(() => { second.kill('SIGKILL') })
  await waitFor(() => new Set(results.map((r) => r.request_id)).size >= requests.length, 120_000, () => `${requests.length} results, have ${results.length}`)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  second.kill('SIGTERM')
  assert.equal(await exited(second), 0, 'the restarted instance exits cleanly on SIGTERM')

  assertExactlyOnce(results, requests.map((r) => r.request_id!), sim.duplicates())
  const accepted = results.filter((r) => r.status === 'accepted')
  const unknown = results.filter((r) => r.status === 'unknown')
  assert.equal(accepted.length + unknown.length, requests.length)
  // A request whose send was interrupted by the kill is reported unknown, never repeated. Only sends
  // holding a rate slot can be interrupted: at most one window's worth (80) per number.
  assert.ok(unknown.length <= 3 * 80, `${unknown.length} unknown results`)
  for (const r of unknown) assert.equal(r.error?.class, 'ambiguous')
  assert.equal(sim.accepted().length, accepted.length + unknown.filter((r) => sim.accepted({ bizOpaqueCallbackData: r.request_id }).length > 0).length)
})

test('a second instance joining and leaving (two rebalances): exactly one result per request, nothing sent twice', { timeout: 240_000 }, async (t) => {
  const prefix = `reb-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { latency: { kind: 'fixed', ms: 10 } })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 4)
  const producer = await requestProducer(t, kafka)
  const numbers = ['5001', '5002', '5003', '5004', '5005', '5006']
  const requests = numbers.flatMap((n) => Array.from({ length: 150 }, (_, i) => textRequest(n, `+1999${String(i).padStart(7, '0')}`, `${n}-${i}`)))
  await produceRequests(producer, prefix, requests)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  // The simulator answers from this test's own event loop, which two in-process instances keep busy: on a
  // loaded machine an answer can take seconds, and a send that times out is rightly in doubt. The
  // default timeout, then: what this test is about is the rebalance, not the timeout.
  const env = testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '4', GRAPH_TIMEOUT_MS: '15000' })

  await startEgress(t, env)
  await waitFor(() => sim.accepted().length >= 150, 90_000, () => 'the first instance to send')
  const second = await startEgress(t, env)
  await waitFor(() => sim.accepted().length >= 450, 90_000, () => 'both instances to send')
  await second.stop()
  await waitFor(() => new Set(results.map((r) => r.request_id)).size >= requests.length, 120_000, () => `${requests.length} results, have ${results.length}`)
  await new Promise((resolve) => setTimeout(resolve, 1000))

  assertExactlyOnce(results, requests.map((r) => r.request_id!), sim.duplicates())
  assert.ok(results.every((r) => r.status === 'accepted'), 'a graceful rebalance leaves nothing in doubt')
})
