import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline'
import { test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { brokersFromEnv, numbers, PHONE, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url))

interface Child {
  process: ChildProcess
  /** http://127.0.0.1:port once the service logged that it started. */
  url: Promise<string>
  /** The last lines the child wrote (shown when a wait fails). */
  tail: () => string
}

/**
 * Starts the campaigns service as a child process, as `npm run campaigns` does; its URL is taken from
 * its "campaigns started" log line (CAMPAIGNS_PORT=0 picks a free port).
 */
function spawnCampaigns (t: TestContext, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=source', mainTs], { env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { child.kill('SIGKILL') })
  const lines: string[] = []
  const keep = (line: string) => { lines.push(line); if (lines.length > 40) lines.shift() }
  createInterface({ input: child.stderr! }).on('line', keep)
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line)
      try {
        const entry = JSON.parse(line) as { msg?: string, url?: string }
        if (entry.msg === 'campaigns started' && entry.url) resolve(entry.url)
      } catch { /* not a log line */ }
    })
    child.once('exit', (code, signal) => reject(new Error(`campaigns exited (${code ?? signal}) before it started:\n${lines.join('\n')}`)))
  })
  url.catch(() => {}) // awaited by the test; a child killed on purpose must not leave it unhandled
  return { process: child, url, tail: () => lines.join('\n') }
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve()
  else child.once('exit', () => resolve())
})

async function kill (child: Child): Promise<void> {
  child.process.kill('SIGKILL')
  await exited(child.process)
}

async function call (url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(`${url}${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(60_000)
  })
  const text = await res.text()
  return { status: res.status, body: text.length > 0 && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text }
}

/** Started, and owner of the (one) commands partition with its campaigns restored: commands apply from now on. */
// After a SIGKILL start() joins the commands, suppression feeder and tier-events groups, each waiting
// until the dead member's session expired (CAMPAIGNS_SESSION_TIMEOUT_MS, 6 s in the tests).
async function owning (child: Child): Promise<string> {
  const url = await waitFor('the child to start', () => Promise.race([child.url, new Promise<undefined>((resolve) => setTimeout(resolve, 200, undefined))]), 90_000)
  await waitFor(`the child to own the commands partition\n${child.tail()}`, async () => {
    const r = await call(url, 'GET', '/readyz')
    return r.status === 200 && r.body.checks?.partitions?.detail === '1 of 1 commands partitions restored'
  }, 90_000)
  return url
}

/**
 * Every request on the requests topic, read from the beginning to its current end with a throwaway
 * consumer of its own group: read_committed (kafkajs's default) or, for the figures, read_uncommitted.
 */
async function readRequestIds (prefix: string, options: { readUncommitted: boolean }): Promise<string[]> {
  const topic = topicNames(prefix).outboundRequests
  const kafka = createKafkaClient({ brokers: [brokersFromEnv()], clientId: 'crash-test-reader' })
  const codec = createCodec()
  const admin = kafka.admin()
  await admin.connect()
  const ends = new Map<number, bigint>()
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high))
  } finally {
    await admin.disconnect()
  }
  // By partition@offset: a rejoin of this never-committing group re-delivers records, each must count once.
  const ids = new Map<string, string>()
  if (ends.size === 0) return []
  const consumer = kafka.consumer({ groupId: `crash-test-reader-${randomUUID()}`, maxWaitTimeInMs: 100, readUncommitted: options.readUncommitted })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      const left = new Set(ends.keys())
      const reached = (partition: number, lastOffset: string) => {
        if (BigInt(lastOffset) + 1n >= ends.get(partition)!) left.delete(partition)
        if (left.size === 0) resolve()
      }
      // A batch of nothing but transaction markers (or aborted records) never reaches eachBatch; its end does reach this event.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, payload.lastOffset))
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          const end = ends.get(batch.partition)!
          for (const m of batch.messages) {
            if (BigInt(m.offset) >= end) break
            const key = `${batch.partition}@${m.offset}`
            if (!ids.has(key)) ids.set(key, (await codec.deserialize(m.value!, 'OutboundRequest')).value.request_id!)
            resolveOffset(m.offset)
          }
          reached(batch.partition, batch.lastOffset())
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return [...ids.values()]
}

test('campaigns killed with SIGKILL while releasing, and right after a pause: every recipient released exactly once, counts add up, a pause survives', { timeout: 240_000 }, async (t) => {
  const N = 3000
  const env = testEnv()
  const prefix = env.TOPIC_PREFIX!
  const t0 = Date.now()
  const phases: string[] = []
  const phase = (what: string) => phases.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`)

  const first = spawnCampaigns(t, env)
  let url = await owning(first)
  phase('first owns')
  // The child created the topics; the fake egress answers every request it reads (read_committed) as accepted.
  const egress = await startFakeEgress(t, env)
  const created = await call(url, 'POST', '/v1/campaigns', { name: 'crash', phone_number_id: PHONE, template: TEMPLATE, rate_cap_mps: 300, recipients: numbers(N).map((to, i) => ({ to, name: `n${i}` })) })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const id = created.body.id as string
  const started = await call(url, 'POST', `/v1/campaigns/${id}/start`)
  assert.equal(started.status, 200, JSON.stringify(started.body))

  // 1. SIGKILL while releasing: the open transaction (requests + state + commands offset) is lost whole.
  await waitFor('hundreds released', () => egress.requests.length >= 500 || undefined, 90_000)
  // The fake egress just read a commit; a pause of up to one tick lets the kill land inside the next transaction at times.
  await sleep(Math.random() * Number(env.CAMPAIGNS_TICK_MS))
  await kill(first)
  phase('first killed')
  const seenAtKill = egress.requests.length
  assert.ok(seenAtKill < N, `killed mid-campaign (${seenAtKill} released)`)

  const second = spawnCampaigns(t, env)
  url = await owning(second)
  phase('second owns')
  assert.equal((await call(url, 'GET', `/v1/campaigns/${id}`)).body.state, 'running')

  // 2. SIGKILL right after a pause was applied: the restarted owner keeps the campaign paused.
  await waitFor('releasing again after the restart', () => egress.requests.length >= seenAtKill + 500 || undefined, 90_000)
  const paused = await call(url, 'POST', `/v1/campaigns/${id}/pause`)
  assert.equal(paused.status, 200, JSON.stringify(paused.body))
  await kill(second)
  phase('second killed')
  assert.equal(paused.body.state, 'paused')
  const pendingAtPause = paused.body.progress.pending as number
  assert.ok(pendingAtPause > 0, 'paused before the end')

  const third = spawnCampaigns(t, env)
  url = await owning(third)
  phase('third owns')
  // The owner is alive (it counts the results of what was in flight) and releases nothing more.
  const settled = await waitFor('the in-flight results counted', async () => {
    const c = (await call(url, 'GET', `/v1/campaigns/${id}`)).body
    return c.progress.queued === 0 && c.progress.sent === N - pendingAtPause ? c : undefined
  }, 90_000)
  phase('in-flight counted')
  assert.equal(settled.state, 'paused')
  assert.equal(settled.progress.pending, pendingAtPause)
  assert.equal(new Set(egress.requests.map((r) => r.request_id)).size, N - pendingAtPause, 'nothing released while paused')

  const resumed = await call(url, 'POST', `/v1/campaigns/${id}/resume`)
  assert.equal(resumed.status, 200, JSON.stringify(resumed.body))
  const done = await waitFor('the campaign to complete', async () => {
    const c = (await call(url, 'GET', `/v1/campaigns/${id}`)).body
    return c.state === 'completed' && c.progress.queued === 0 ? c : undefined
  }, 90_000)

  phase('completed')
  // Every recipient's request is on the topic exactly once, as a read_committed consumer sees it.
  const committed = await readRequestIds(prefix, { readUncommitted: false })
  const counts = new Map<string, number>()
  for (const r of committed) counts.set(r, (counts.get(r) ?? 0) + 1)
  const expected = Array.from({ length: N }, (_, n) => `cmp.${id}.${n}`)
  assert.deepEqual(expected.filter((r) => !counts.has(r)), [], 'recipients whose request was lost')
  assert.deepEqual([...counts].filter(([, n]) => n > 1), [], 'requests released twice')
  assert.equal(committed.length, N)
  const everything = await readRequestIds(prefix, { readUncommitted: true })
  t.diagnostic(`released before the first kill: ${seenAtKill}; pending at the pause: ${pendingAtPause}; records of aborted transactions: ${everything.length - committed.length}; ${phases.join(', ')}`)

  // The final counts add up.
  const p = done.progress
  assert.equal(p.sent, N)
  assert.equal(p.pending, 0)
  assert.equal(p.queued + p.failed + p.suppressed + p.skipped + p.deferred, 0)
  assert.equal(done.audience.size, N)

  await kill(third)
})
