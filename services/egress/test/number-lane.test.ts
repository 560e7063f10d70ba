import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConcurrencyGate, NumberLane, type AttemptResult } from '../src/number-lane.ts'
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

test('a backlog is sent at exactly the rate limit, never over it in any one-second window', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 50, marginMs: 0, gate: new ConcurrencyGate(1000), timers })
  const started: number[] = []
  for (let i = 0; i < 200; i++) lane.enqueue({ to: `r${i}`, run: async (_a, slot) => { slot.commit(); started.push(timers.now()); return { kind: 'done' } } })
  await timers.advance(10_000)
  assert.equal(started.length, 200)
  assert.equal(maxInAnyWindow(started, 1000), 50)
  // Sends are spread one per 20 ms: 200 take 4 s.
  assert.ok(started[199]! <= 4000, `200 at 50/s should take ~4 s, took ${started[199]} ms`)
  assert.ok(started.every((t, i) => i === 0 || t - started[i - 1]! >= 20), 'sends are spread over the window')
  assert.equal(lane.size, 0)
})

test('sends held up by a busy event loop are caught up, up to 125 ms of them, never over the limit', async () => {
  async function sentInFirstSecond (stallMs: number) {
    const timers = createFakeTimers()
    const lane = new NumberLane({ rateLimit: 80, marginMs: 0, gate: new ConcurrencyGate(1000), timers })
    const started: number[] = []
    for (let i = 0; i < 400; i++) lane.enqueue({ to: `r${i}`, run: async (_a, slot) => { slot.commit(); started.push(timers.now()); return { kind: 'done' } } })
    await timers.advance(300)
    timers.stall(stallMs)
    await timers.advance(1000 - 300 - stallMs)
    await timers.advance(4000)
    assert.ok(maxInAnyWindow(started, 1000) <= 80, 'never over the limit')
    return started.filter((t) => t < 1000).length
  }
  assert.equal(await sentInFirstSecond(0), 80)
  assert.equal(await sentInFirstSecond(100), 80, 'a 100 ms stall is caught up')
  const afterLongStall = await sentInFirstSecond(400)
  assert.ok(afterLongStall < 80 && afterLongStall >= 80 - Math.ceil((400 - 125) / 12.5) - 1, `a 400 ms stall is caught up by 125 ms only: ${afterLongStall}`)
})

test('jobs to one recipient run one at a time and in order', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 100, marginMs: 0, gate: new ConcurrencyGate(100), timers })
  const log: string[] = []
  let running = 0
  for (let i = 0; i < 5; i++) {
    lane.enqueue({
      to: 'alice',
      run: async (_a, slot) => {
        slot.commit()
        running++
        assert.equal(running, 1, 'two jobs to the same recipient ran at once')
        log.push(`m${i}`)
        await new Promise((resolve) => setImmediate(resolve))
        running--
        return { kind: 'done' }
      }
    })
  }
  await timers.advance(1000)
  assert.deepEqual(log, ['m0', 'm1', 'm2', 'm3', 'm4'])
})

test('a recipient backing off (131056) does not hold up other recipients', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 80, marginMs: 0, gate: new ConcurrencyGate(100), timers })
  const done: Array<[string, number]> = []
  let slowAttempts = 0
  lane.enqueue({
    to: 'slow',
    run: async (attempt, slot): Promise<AttemptResult> => {
      slot.commit()
      slowAttempts++
      if (attempt < 2) return { kind: 'retry', afterMs: 4 ** attempt * 1000, scope: 'recipient' }
      done.push(['slow', timers.now()])
      return { kind: 'done' }
    }
  })
  for (let i = 0; i < 20; i++) lane.enqueue({ to: `fast${i}`, run: async (_a, slot) => { slot.commit(); done.push([`fast${i}`, timers.now()]); return { kind: 'done' } } })
  // 21 sends spread one per 12.5 ms at 80/s: all fast recipients are done within 300 ms.
  await timers.advance(300)
  assert.equal(done.filter(([to]) => to.startsWith('fast')).length, 20, 'fast recipients waited for the slow one')
  await timers.advance(10_000)
  assert.equal(slowAttempts, 3)
  assert.deepEqual(done.find(([to]) => to === 'slow'), ['slow', 5000], 'retried after 1 s then 4 s')
})

test('a number-wide throttle (130429) pauses the lane and lowers its rate', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 100, marginMs: 0, gate: new ConcurrencyGate(100), timers })
  const started: number[] = []
  let throttled = false
  for (let i = 0; i < 300; i++) {
    lane.enqueue({
      to: `r${i}`,
      run: async (_a, slot): Promise<AttemptResult> => {
        slot.commit()
        if (i === 10 && !throttled) { throttled = true; return { kind: 'retry', afterMs: 2000, scope: 'number' } }
        started.push(timers.now())
        return { kind: 'done' }
      }
    })
  }
  await timers.advance(1500)
  const throttledAt = 10 * 10 // the 11th send, one per 10 ms
  assert.ok(started.every((t) => t < throttledAt), 'nothing is sent while the number is paused')
  assert.equal(lane.limiter.limit, 80)
  await timers.advance(20_000)
  assert.equal(started.length, 300)
  assert.ok(lane.limiter.limit > 80, 'the rate recovers after clean seconds')
})

test('the concurrency gate bounds calls in flight across lanes', async () => {
  const timers = createFakeTimers()
  const gate = new ConcurrencyGate(3)
  const lanes = [0, 1].map(() => new NumberLane({ rateLimit: 1000, marginMs: 0, gate, timers }))
  let inFlight = 0
  let peak = 0
  const release: Array<() => void> = []
  for (const [n, lane] of lanes.entries()) {
    for (let i = 0; i < 5; i++) {
      lane.enqueue({
        to: `n${n}r${i}`,
        run: () => new Promise<AttemptResult>((resolve) => {
          inFlight++
          peak = Math.max(peak, inFlight)
          release.push(() => { inFlight--; resolve({ kind: 'done' }) })
        })
      })
    }
  }
  await timers.advance(20)
  assert.equal(inFlight, 3)
  while (release.length > 0) { release.shift()!(); await timers.advance(5) }
  assert.equal(peak, 3)
  assert.equal(lanes[0]!.size + lanes[1]!.size, 0)
})

test('close() cancels queued jobs and lets the running one finish', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 1, marginMs: 0, gate: new ConcurrencyGate(10), timers })
  const cancelled: number[] = []
  let ran = 0
  for (let i = 0; i < 4; i++) lane.enqueue({ to: `r${i}`, run: async (_a, slot) => { slot.commit(); ran++; return { kind: 'done' } }, cancel: () => cancelled.push(i) })
  await timers.settle()
  lane.close()
  await timers.advance(5000)
  assert.equal(ran, 1)
  assert.deepEqual(cancelled, [1, 2, 3])
})

test('an attempt that never sends gives its rate slot back', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 2, marginMs: 0, gate: new ConcurrencyGate(10), timers })
  const sentAt: number[] = []
  for (let i = 0; i < 6; i++) {
    lane.enqueue({ to: `r${i}`, run: async (_a, slot) => { if (i % 2 === 0) { slot.commit(); sentAt.push(timers.now()) } return { kind: 'done' } } })
  }
  await timers.advance(5000)
  // One start per 500 ms; the odd ones never send, so they leave the window to the even ones.
  assert.deepEqual(sentAt, [0, 1000, 2000], 'skipped requests (odd) cost no slot')
  assert.equal(lane.limiter.reserved, 0)
})
