import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CircuitBreakers } from '../src/circuit-breakers.ts'
import { ConcurrencyGate, NumberLane, type AttemptResult, type LaneJob } from '../src/number-lane.ts'
import { OffsetTracker } from '../src/offset-tracker.ts'
import { createFakeTimers } from './fake-timers.ts'

test('an open breaker holds the lane: the refused job stays first, one probe per backoff, and the queue goes in order once a probe passes', async () => {
  const timers = createFakeTimers()
  const breakers = new CircuitBreakers({ probeBaseMs: 1000, probeMaxMs: 4000, clock: timers.now, wabaOf: () => undefined, tokenOf: () => undefined, keysFor: (n) => [`number:${n}`] })
  let refusing = true
  const sent: string[] = []
  const attempts: number[] = []
  const lane = new NumberLane({
    rateLimit: 100,
    marginMs: 0,
    gate: new ConcurrencyGate(10),
    timers,
    breaker: {
      admit: () => breakers.admit('A'),
      ended: (result, probe) => {
        if (result.kind === 'blocked') breakers.tripped('A', result.trip, probe)
        else if (probe && result.kind === 'done' && result.reached === true) breakers.probeSucceeded('A')
        else if (probe) breakers.probeInconclusive('A')
      }
    }
  })
  breakers.onChange(() => lane.pump())
  const job = (id: string): LaneJob => ({
    to: '+1555',
    run: async (): Promise<AttemptResult> => {
      attempts.push(timers.now())
      if (refusing) return { kind: 'blocked', trip: { scope: 'number', code: 190, reason: 'expired' } }
      sent.push(id)
      return { kind: 'done', reached: true }
    }
  })
  for (const id of ['r1', 'r2', 'r3']) lane.enqueue(job(id))
  await timers.advance(7500)
  // The first attempt, then probes at +1 s, +2 s, +4 s (capped at 4 s).
  assert.deepEqual(attempts, [0, 1000, 3000, 7000])
  assert.equal(lane.size, 3)
  refusing = false
  await timers.advance(4000)
  assert.deepEqual(sent, ['r1', 'r2', 'r3'])
  assert.equal(lane.size, 0)
  assert.equal(breakers.isBlocked('A'), false)
})

test('evictQueued keeps the lowest offsets, takes every later one, and never one below a running job', async () => {
  const timers = createFakeTimers()
  const lane = new NumberLane({ rateLimit: 1000, marginMs: 0, gate: new ConcurrencyGate(10), timers })
  let release!: () => void
  const running = new Promise<void>((resolve) => { release = resolve })
  const job = (to: string, offset: bigint, run: LaneJob['run'] = async () => ({ kind: 'done' })): LaneJob => ({ to, offset, run })
  // Recipient x's first job (offset 20) is running; y's jobs (10, 30) and x's (40, 50) wait.
  lane.enqueue(job('y', 10n, async () => { await running; return { kind: 'done' } }))
  lane.enqueue(job('x', 20n, async () => { await running; return { kind: 'done' } }))
  lane.enqueue(job('y', 30n))
  lane.enqueue(job('x', 40n))
  lane.enqueue(job('x', 50n))
  await timers.advance(10)
  assert.equal(lane.size, 5)
  // Keep 1 waiting (30) → cut at 40: 40 and 50 go.
  assert.deepEqual(lane.evictQueued(1).map((j) => j.offset), [40n, 50n])
  assert.equal(lane.size, 3)
  // Keep 0: the cut (30) is above every running job (10, 20), so 30 goes.
  assert.deepEqual(lane.evictQueued(0).map((j) => j.offset), [30n])
  release()
  await timers.advance(10)
  assert.equal(lane.size, 0)
})

test('the offset tracker tells fresh offsets from those fetched again', () => {
  const tracker = new OffsetTracker()
  assert.equal(tracker.isNew(5n), true)
  tracker.add('5')
  assert.equal(tracker.isNew(5n), false)
  assert.equal(tracker.isNew(6n), true)
})
