import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { collect, decodeRequests, type ReadRecord, waitTopic, manualClock, request, requestsTopic, schedule, startApp, testEnv, waitFor } from './helpers.ts'

const numbers = ['106540352242901', '106540352242902', '106540352242903', '106540352242904', '106540352242905', '106540352242906']

/** Each request id released exactly once, and nothing else. */
async function assertReleasedOnce (released: ReadRecord[], ids: string[]): Promise<void> {
  const got = (await decodeRequests(released)).map((r) => r.request_id!)
  if (got.length !== ids.length) {
    // Which records repeat a request id, by where they are: one record read twice, or two records written.
    const where = new Map<string, string[]>()
    got.forEach((id, i) => where.set(id, [...where.get(id) ?? [], `${released[i]!.partition}@${released[i]!.offset}`]))
    const repeated = [...where].filter(([, at]) => at.length > 1).map(([id, at]) => `${id} at ${at.join(', ')}`)
    assert.fail(`released ${got.length} records for ${ids.length} requests; repeated: ${repeated.join('; ') || 'none'}`)
  }
  assert.deepEqual([...got].sort(), [...ids].sort())
}

test('a new instance after a stop keeps what was pending: each request released once', async (t) => {
  const clock = manualClock()
  const env = testEnv({ SCHEDULER_MAX_INDEXED: '10' })
  const first = await startApp(t, env, { clock: clock.now })
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const requests = Array.from({ length: 20 }, (_, i) => request({ phone_number_id: numbers[i % numbers.length], send_at: clock.now() + 10_000 + i * 1000 }))
  await schedule(env.TOPIC_PREFIX!, requests)
  await waitFor('all pending', async () => (await Promise.all(requests.map((r) => first.api.get(r.request_id!)))).every((s) => s?.state === 'pending'))
  clock.advance(15_000)
  await waitFor('the first six', () => released.length === 6)
  await first.stop()

  const second = await startApp(t, env, { clock: clock.now })
  await waitFor('taken over', () => second.isReady() && second.partitions().length === 2)
  // At most 5 per partition in memory: the rest come from rescans as the earlier ones go.
  assert.ok(second.partitions().every((p) => p.indexed <= 5))
  clock.advance(30_000)
  await waitFor('the rest', () => released.length >= 20)
  await sleep(1000)
  await assertReleasedOnce(released, requests.map((r) => r.request_id!))
})

test('two instances and a rebalance while releasing: each request released exactly once', async (t) => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '4' })
  const one = await startApp(t, env)
  const two = await startApp(t, env)
  await waitFor('the partitions split', () => one.isReady() && two.isReady() && one.partitions().length + two.partitions().length === 4 && one.partitions().length > 0 && two.partitions().length > 0)
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const start = Date.now() + 2000
  const requests = Array.from({ length: 300 }, (_, i) => request({ phone_number_id: numbers[i % numbers.length], send_at: start + Math.floor(i * 20) }))
  await schedule(env.TOPIC_PREFIX!, requests)
  await waitFor('some released', () => released.length >= 100)
  await two.stop()
  const three = await startApp(t, env)
  await waitFor('all released', () => released.length >= 300)
  await waitFor('three has partitions', () => three.isReady() && three.partitions().length > 0)
  await sleep(1000)
  await assertReleasedOnce(released, requests.map((r) => r.request_id!))
})

test('a scheduler killed with SIGKILL while releasing: its successor releases the rest, each once', async (t) => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '2', SCHEDULER_TRANSACTION_TIMEOUT_MS: '10000' })
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
  const child = spawn(process.execPath, ['--conditions=source', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] })
  t.after(() => { child.kill('SIGKILL') })
  await waitTopic(`${env.TOPIC_PREFIX}.scheduler.pending`)
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const start = Date.now() + 6000
  const requests = Array.from({ length: 400 }, (_, i) => request({ phone_number_id: numbers[i % numbers.length], send_at: start + i * 10 }))
  await schedule(env.TOPIC_PREFIX!, requests)
  await waitFor('some released by the child', () => released.length >= 50, 60_000)
  child.kill('SIGKILL')
  await once(child, 'exit')
  const successor = await startApp(t, env)
  await waitFor('all released', () => released.length >= 400, 60_000)
  await waitFor('taken over', () => successor.isReady() && successor.partitions().length === 2)
  await sleep(1000)
  await assertReleasedOnce(released, requests.map((r) => r.request_id!))
})

test('a release transaction that fails before its commit, and one whose commit answer is lost: each request released exactly once', async (t) => {
  const clock = manualClock()
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '1', SCHEDULER_SESSION_TIMEOUT_MS: '6000' })
  let armed: 'before' | 'after' | undefined
  let tripped = 0
  const trip = (when: 'before' | 'after') => () => {
    if (armed !== when) return
    armed = undefined
    tripped++
    throw new Error(`injected: crash ${when} the commit`)
  }
  const app = await startApp(t, env, { clock: clock.now, faults: { beforeCommit: trip('before'), afterCommit: trip('after') } })
  const released = await collect(t, requestsTopic(env.TOPIC_PREFIX!))
  const first = Array.from({ length: 5 }, (_, i) => request({ send_at: clock.now() + 10_000 + i }))
  const second = Array.from({ length: 5 }, (_, i) => request({ send_at: clock.now() + 20_000 + i }))
  await schedule(env.TOPIC_PREFIX!, [...first, ...second])
  await waitFor('all pending', () => app.isReady() && app.partitions()[0]?.indexed === 10)

  armed = 'before'
  clock.advance(10_010)
  await waitFor('the first five, after the worker was replaced', () => released.length >= 5)
  armed = 'after'
  clock.advance(10_000)
  await waitFor('the second five', () => released.length >= 10)
  await waitFor('ready again', () => app.isReady() && app.partitions()[0]?.state === 'ready')
  await sleep(1000)
  assert.equal(tripped, 2)
  await assertReleasedOnce(released, [...first, ...second].map((r) => r.request_id!))
})
