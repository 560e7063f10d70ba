import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConcurrencyGate, NumberLane, type AttemptResult, type LaneJob, type LanePriority } from '../src/number-lane.ts'
import { createFakeTimers } from './fake-timers.ts'

function maxInAnyWindow (times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  let lo = 0
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++
    max = Math.max(max, hi - lo + 1)
  }
  return max
}

interface Started { id: string, to: string, priority: LanePriority, at: number }

/** A job that sends at once and records when it started. */
function recording (timers: ReturnType<typeof createFakeTimers>, log: Started[], id: string, to: string, priority: LanePriority): LaneJob {
  return {
    to,
    priority,
    run: async (_a, slot) => { slot.commit(); log.push({ id, to, priority, at: timers.now() }); return { kind: 'done' } }
  }
}

test('an interactive job added behind 10,000 queued bulk jobs starts within one slot; the rate holds and order holds per recipient', async () => {
  const timers = createFakeTimers()
  const rate = 80
  const lane = new NumberLane({ rateLimit: rate, marginMs: 0, gate: new ConcurrencyGate(1000), timers })
  const log: Started[] = []
  // 1,000 recipients, 10 bulk jobs each, queued in order.
  for (let i = 0; i < 10_000; i++) lane.enqueue(recording(timers, log, `b${i}`, `r${i % 1000}`, 'bulk'))
  await timers.advance(2_003)
  assert.equal(lane.sizeOf('bulk'), 10_000 - log.length)
  const addedAt = timers.now()
  lane.enqueue(recording(timers, log, 'reply', 'r7', 'interactive'))
  await timers.advance(1000 / rate)
  const reply = log.find((s) => s.id === 'reply')
  assert.ok(reply, 'the interactive job started within one slot (1/rate s)')
  assert.ok(reply.at - addedAt <= 1000 / rate, `started ${reply.at - addedAt} ms after it was added`)
  // Five more at once: all of them before the next bulk job.
  const burstAt = timers.now()
  for (let i = 0; i < 5; i++) lane.enqueue(recording(timers, log, `i${i}`, `c${i}`, 'interactive'))
  await timers.advance(10 * 1000 / rate)
  const afterBurst = log.filter((s) => s.at >= burstAt)
  assert.deepEqual(afterBurst.slice(0, 5).map((s) => s.id), ['i0', 'i1', 'i2', 'i3', 'i4'])
  assert.ok(afterBurst[4]!.at - burstAt <= 5 * 1000 / rate)

  await timers.advance(130_000)
  assert.equal(log.length, 10_006)
  assert.equal(lane.size, 0)
  assert.ok(maxInAnyWindow(log.map((s) => s.at), 1000) <= rate, 'never over the rate in any one-second window')
  // Per recipient, bulk jobs started in the order they were queued.
  const byRecipient = new Map<string, number[]>()
  for (const s of log) if (s.priority === 'bulk') byRecipient.set(s.to, [...(byRecipient.get(s.to) ?? []), Number(s.id.slice(1))])
  for (const [to, ids] of byRecipient) assert.deepEqual(ids, [...ids].sort((a, b) => a - b), `order of ${to}`)
})

test('interactive jobs take every slot they are ready for; bulk gets the rest', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 10, marginMs: 0, gate: new ConcurrencyGate(100), timers })
  const log: Started[] = []
  for (let i = 0; i < 40; i++) lane.enqueue(recording(timers, log, `b${i}`, `b${i}`, 'bulk'))
  for (let i = 0; i < 20; i++) lane.enqueue(recording(timers, log, `i${i}`, `i${i % 4}`, 'interactive'))
  await timers.advance(10_000)
  assert.equal(log.length, 60)
  // The first bulk job started alone, before any interactive one was queued.
  assert.equal(log[0]!.id, 'b0')
  assert.deepEqual(log.slice(1, 21).map((s) => s.priority), Array(20).fill('interactive'), 'every interactive job before any other bulk job')
  // Round-robin among interactive recipients, in order per recipient.
  assert.deepEqual(log.slice(1, 9).map((s) => s.to), ['i0', 'i1', 'i2', 'i3', 'i0', 'i1', 'i2', 'i3'])
  assert.deepEqual(log.filter((s) => s.to === 'i1').map((s) => s.id), ['i1', 'i5', 'i9', 'i13', 'i17'])
  assert.ok(maxInAnyWindow(log.map((s) => s.at), 1000) <= 10)
})

test('bulk takes the slots of an interactive job that is not ready (its recipient backing off)', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 20, marginMs: 0, gate: new ConcurrencyGate(100), timers })
  const log: Started[] = []
  let tries = 0
  lane.enqueue({
    to: 'slow',
    priority: 'interactive',
    run: async (_a, slot): Promise<AttemptResult> => {
      slot.commit()
      if (tries++ === 0) return { kind: 'retry', afterMs: 2000, scope: 'recipient' }
      log.push({ id: 'slow', to: 'slow', priority: 'interactive', at: timers.now() })
      return { kind: 'done' }
    }
  })
  for (let i = 0; i < 30; i++) lane.enqueue(recording(timers, log, `b${i}`, `b${i}`, 'bulk'))
  await timers.advance(1500)
  assert.ok(log.filter((s) => s.priority === 'bulk').length >= 25, 'bulk went on while the interactive recipient backed off')
  await timers.advance(5000)
  const slow = log.find((s) => s.id === 'slow')
  assert.ok(slow && slow.at >= 2000 && slow.at <= 2000 + 1000 / 20, `the interactive job went at its time: ${slow?.at}`)
})

test('one job at a time per recipient across priorities', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 100, marginMs: 0, gate: new ConcurrencyGate(100), timers })
  const running = new Map<string, number>()
  let overlap = false
  const order: string[] = []
  const release: Array<() => void> = []
  const job = (id: string, to: string, priority: LanePriority): LaneJob => ({
    to,
    priority,
    run: (_a, slot) => new Promise<AttemptResult>((resolve) => {
      slot.commit()
      const n = (running.get(to) ?? 0) + 1
      running.set(to, n)
      if (n > 1) overlap = true
      order.push(id)
      release.push(() => { running.set(to, running.get(to)! - 1); resolve({ kind: 'done' }) })
    })
  })
  lane.enqueue(job('bulk-1', 'alice', 'bulk'))
  lane.enqueue(job('bulk-2', 'alice', 'bulk'))
  await timers.advance(50)
  lane.enqueue(job('reply', 'alice', 'interactive'))
  lane.enqueue(job('other', 'bob', 'bulk'))
  await timers.advance(50)
  assert.deepEqual(order, ['bulk-1', 'other'], 'the reply waits for the bulk job to alice that is running')
  while (release.length > 0) { release.shift()!(); await timers.advance(20) }
  assert.equal(overlap, false)
  assert.deepEqual(order, ['bulk-1', 'other', 'reply', 'bulk-2'], 'then the reply goes before the next bulk job to alice')
  assert.equal(lane.size, 0)
})

test('evictQueued and close() cover both priorities', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 1, marginMs: 0, gate: new ConcurrencyGate(10), timers })
  const evicted: bigint[] = []
  const cancelled: bigint[] = []
  let finish: (() => void) | undefined
  const job = (offset: bigint, to: string, priority: LanePriority): LaneJob => ({
    to,
    priority,
    offset,
    run: (_a, slot) => new Promise<AttemptResult>((resolve) => { slot.commit(); finish = () => resolve({ kind: 'done' }) }),
    evict: () => evicted.push(offset),
    cancel: () => cancelled.push(offset)
  })
  lane.enqueue(job(10n, 'a', 'bulk'))
  for (const [offset, to, priority] of [[11n, 'b', 'interactive'], [12n, 'a', 'interactive'], [13n, 'c', 'bulk'], [14n, 'b', 'interactive'], [15n, 'a', 'bulk']] as const) {
    lane.enqueue(job(offset, to, priority))
  }
  await timers.settle()
  // 10 runs (the first job started before the others came); the rest wait.
  assert.equal(lane.size, 6)
  assert.equal(lane.sizeOf('interactive'), 3)
  const taken = lane.evictQueued(2).map((j) => j.offset)
  assert.deepEqual(taken.sort(), [13n, 14n, 15n])
  assert.equal(lane.size, 3)
  lane.close()
  assert.deepEqual(cancelled.sort(), [11n, 12n])
  finish!()
  await timers.advance(5000)
  assert.equal(lane.size, 0)
})
