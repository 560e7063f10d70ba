import type { Admission, BreakerTrip } from './circuit-breakers.ts'
import { SlidingWindowLimiter, type Clock } from './rate-limiter.ts'

/** What became of one attempt. */
export type AttemptResult =
  /** The job is finished here. `reached`: Meta answered it with something other than a pausing error (a probe that passed). */
  | { kind: 'done', reached?: boolean }
  /** Try this job again after `afterMs`; `scope` says who waits: the job's recipient, or the whole number (130429). */
  | { kind: 'retry', afterMs: number, scope: 'recipient' | 'number' }
  /** Meta refused it with an error that stops the number, its WABA or its token: the job stays first in line, the breaker opens. */
  | { kind: 'blocked', trip: BreakerTrip }

/** A lane's view of the circuit breakers of its number (see CircuitBreakers). */
export interface LaneBreaker {
  admit (): Admission
  /** A job of the lane ended; `probe` when it was the probe the breaker granted. */
  ended (result: AttemptResult, probe: boolean): void
}

/**
 * The rate slot an attempt runs in: call `commit()` at the moment the message leaves (that is
 * the time the limiter counts). Not committing releases the slot when the attempt ends.
 */
export interface RateSlot {
  commit(): void
}

/** One request waiting to be sent to `to`. `run` performs one attempt (numbered from 0). */
export interface LaneJob {
  to: string
  run: (attempt: number, slot: RateSlot) => Promise<AttemptResult>
  /** Called instead of run when the lane is closed before the job started. */
  cancel?: () => void
  /** The request's offset in its partition (for evicting queued jobs in offset order). */
  offset?: bigint
  /** Called instead of run when the job is evicted (evictQueued) before it started. */
  evict?: () => void
  /** 'interactive' (default) goes first; 'bulk' takes only the slots no interactive job is ready for. */
  priority?: LanePriority
}

/** A lane's priorities, first served first. */
export const LANE_PRIORITIES = ['interactive', 'bulk'] as const
export type LanePriority = typeof LANE_PRIORITIES[number]

export interface LaneTimers {
  clock: Clock
  setTimer: (fn: () => void, ms: number) => { cancel: () => void }
}

/**
 * How late the lane's pacing may be caught up, ms: a busy event loop (garbage collection, a large
 * fetched batch) delays timers by tens of ms, and sends not caught up are throughput lost for good.
 * Measured at 100 numbers × 80 msg/s: one gap (12.5 ms) → 94–97 % of the limit, 125 ms → 98 %.
 */
const CATCH_UP_MS = 125

/** A bound on HTTP calls in flight, shared by every lane of the process. */
export class ConcurrencyGate {
  #inFlight = 0
  readonly #max: number
  /** Lanes waiting for a slot, first come first served; each is woken once per freed slot. */
  readonly #waiting: Array<() => void> = []
  readonly #queued = new Set<() => void>()

  constructor (max: number) { this.#max = max }

  get inFlight (): number { return this.#inFlight }

  tryEnter (): boolean {
    if (this.#inFlight >= this.#max) return false
    this.#inFlight++
    return true
  }

  leave (): void {
    this.#inFlight--
    // Wake one waiter per freed slot: waking all would make every lane rescan for one slot.
    const wake = this.#waiting.shift()
    if (wake) { this.#queued.delete(wake); wake() }
  }

  /** Resolves once a slot is entered (first come first served with the lanes waiting). */
  async enter (): Promise<void> {
    while (!this.tryEnter()) await new Promise<void>((resolve) => this.notify(resolve))
  }

  /** Calls `wake` once, when a slot frees (a waiter already queued is not queued twice). */
  notify (wake: () => void): void {
    if (this.#queued.has(wake)) return
    this.#queued.add(wake)
    this.#waiting.push(wake)
  }
}

export interface NumberLaneOptions {
  /** Messages per second allowed for this number. */
  rateLimit: number
  /** Extra window margin, ms (see SlidingWindowLimiter). */
  marginMs: number
  gate: ConcurrencyGate
  timers: LaneTimers
  /** The circuit breakers of this number; none = always sending. */
  breaker?: LaneBreaker
}

/** A recipient of the lane, shared by its queues of both priorities. */
interface Recipient {
  /** The queue whose first job is running (one job at a time per recipient, whatever its priority). */
  running: RecipientQueue | undefined
  /** No job to this recipient starts before this time (its backoff: a pair rate limit is per recipient). */
  notBefore: number
  /** Its queues in the lane (one per priority with jobs). */
  queues: number
}

/** One recipient's jobs of one priority, in order; `attempt` is the first job's next attempt. */
interface RecipientQueue {
  to: string
  priority: LanePriority
  jobs: LaneJob[]
  attempt: number
  recipient: Recipient
}

/**
 * Sends one phone number's jobs: at most `rateLimit` per second (exact sliding window), one job
 * at a time per recipient and in order, recipients served round-robin so a slow or backed-off
 * recipient never holds up the others. After a 130429 the whole lane waits and its rate drops
 * to 80 % (recovering by 5 % of the configured rate per clean second).
 *
 * Jobs have a priority: every slot of the number's budget goes to an interactive job when one is
 * ready (its recipient neither busy nor backing off); bulk jobs take the slots left. Order and
 * round-robin hold within each priority; one job at a time per recipient holds across both.
 */
export class NumberLane {
  readonly limiter: SlidingWindowLimiter
  #configuredRate: number
  /** Recipients with queued work (of either priority). */
  readonly #recipients = new Map<string, Recipient>()
  /**
   * Per priority, the recipients with queued work in round-robin order (a Map keeps insertion
   * order; a started queue is re-inserted at the back).
   */
  readonly #queues: Record<LanePriority, Map<string, RecipientQueue>> = { interactive: new Map(), bulk: new Map() }
  readonly #gate: ConcurrencyGate
  readonly #timers: LaneTimers
  readonly #breaker: LaneBreaker | undefined
  #timer: { cancel: () => void } | undefined
  #timerAt = Infinity
  #pausedUntil = 0
  #lastThrottleAt = -Infinity
  #queued = 0
  #closed = false
  /** Earliest time of the next start, for even spacing (see #gapMs). */
  #paceAt = -Infinity
  readonly #wake = () => this.pump()

  constructor (options: NumberLaneOptions) {
    this.#configuredRate = options.rateLimit
    this.limiter = new SlidingWindowLimiter({ limit: options.rateLimit, marginMs: options.marginMs, clock: options.timers.clock })
    this.#gate = options.gate
    this.#timers = options.timers
    this.#breaker = options.breaker
  }

  /** The rate this lane works towards (before a throttle's temporary reduction). */
  get baseRate (): number { return this.#configuredRate }

  /**
   * Changes the rate this lane works towards (e.g. the configured rate less observed inbound
   * traffic). A lower rate applies at once; a higher one is reached through normal recovery.
   */
  setBaseRate (rate: number): void {
    this.#configuredRate = Math.max(1, Math.floor(rate))
    if (this.limiter.limit > this.#configuredRate) this.limiter.setLimit(this.#configuredRate)
    else if (this.limiter.limit < this.#configuredRate && this.#pausedUntil <= this.#timers.clock()) this.limiter.setLimit(this.#configuredRate)
  }

  /** Jobs queued or running. */
  get size (): number { return this.#queued }

  /** Jobs of one priority queued or running. */
  sizeOf (priority: LanePriority): number {
    let n = 0
    for (const q of this.#queues[priority].values()) n += q.jobs.length
    return n
  }

  enqueue (job: LaneJob): void {
    if (this.#closed) { job.cancel?.(); return }
    const priority = job.priority ?? 'interactive'
    let q = this.#queues[priority].get(job.to)
    if (!q) {
      let recipient = this.#recipients.get(job.to)
      if (!recipient) this.#recipients.set(job.to, recipient = { running: undefined, notBefore: 0, queues: 0 })
      recipient.queues++
      q = { to: job.to, priority, jobs: [], attempt: 0, recipient }
      this.#queues[priority].set(job.to, q)
    }
    q.jobs.push(job)
    this.#queued++
    this.pump()
  }

  /** Removes an empty queue (and its recipient once it has none left). */
  #drop (q: RecipientQueue): void {
    this.#queues[q.priority].delete(q.to)
    if (--q.recipient.queues === 0) this.#recipients.delete(q.to)
  }

  /**
   * Takes queued jobs that have not started out of the lane, keeping the `keep` with the lowest
   * offsets: every job at or after the first one taken goes (so each recipient keeps a prefix of
   * its jobs, in order), and none below a running job's offset (a record fetched again must never
   * find its request still running). Jobs without an offset stay. Returns the jobs taken.
   */
  evictQueued (keep: number): LaneJob[] {
    const waiting: LaneJob[] = []
    let running = -1n
    for (const queues of Object.values(this.#queues)) {
      for (const q of queues.values()) {
        for (const [i, job] of q.jobs.entries()) {
          if (job.offset === undefined) continue
          if (q.recipient.running === q && i === 0) { if (job.offset > running) running = job.offset } else waiting.push(job)
        }
      }
    }
    if (waiting.length <= keep) return []
    waiting.sort((a, b) => (a.offset! < b.offset! ? -1 : a.offset! > b.offset! ? 1 : 0))
    let cut = waiting[keep]!.offset!
    if (cut <= running) cut = running + 1n
    const evicted = new Set(waiting.filter((job) => job.offset! >= cut))
    if (evicted.size === 0) return []
    for (const queues of Object.values(this.#queues)) {
      for (const q of [...queues.values()]) {
        q.jobs = q.jobs.filter((job, i) => (q.recipient.running === q && i === 0) || job.offset === undefined || job.offset < cut)
        if (q.jobs.length === 0) this.#drop(q)
      }
    }
    this.#queued -= evicted.size
    return [...evicted]
  }

  /** Cancels every job that has not started; running ones finish. */
  close (): void {
    this.#closed = true
    this.#timer?.cancel()
    for (const queues of Object.values(this.#queues)) {
      for (const q of [...queues.values()]) {
        const busy = q.recipient.running === q
        const waiting = busy ? q.jobs.slice(1) : q.jobs
        for (const job of waiting) { job.cancel?.(); this.#queued-- }
        q.jobs = busy ? q.jobs.slice(0, 1) : []
        if (q.jobs.length === 0) this.#drop(q)
      }
    }
  }

  /**
   * The queue whose first job starts next: the first ready one in round-robin order among the
   * interactive queues, else among the bulk ones. `later` hears when a backed-off one is due.
   */
  #nextReady (now: number, later: (at: number) => void): RecipientQueue | undefined {
    for (const priority of LANE_PRIORITIES) {
      for (const q of this.#queues[priority].values()) {
        if (q.recipient.running) continue
        if (q.recipient.notBefore > now) { later(q.recipient.notBefore); continue }
        return q
      }
    }
    return undefined
  }

  /** Starts every job that may start now, and arms a timer for the next one that may not. */
  pump (): void {
    if (this.#closed) return
    const now = this.#timers.clock()
    this.#recover(now)
    let wakeAt = Infinity
    const later = (at: number) => { if (at < wakeAt) wakeAt = at }
    for (;;) {
      if (now < this.#pausedUntil) { wakeAt = this.#pausedUntil; break }
      const q = this.#nextReady(now, later)
      if (!q) break
      const delay = this.limiter.delayMs(now)
      if (delay > 0) { later(now + delay); break }
      if (this.#paceAt > now) { later(this.#paceAt); break }
      if (!this.#gate.tryEnter()) { this.#gate.notify(this.#wake); break }
      // An open breaker lets one probe through once its backoff has passed, and nothing else.
      const admission = this.#breaker?.admit() ?? { kind: 'go' as const }
      if (admission.kind === 'wait') { this.#gate.leave(); later(admission.until); break }
      this.limiter.reserve(now)
      // Spaced from when this start was due, not when its timer fired, so timer lateness and
      // waits for the window do not add up: up to CATCH_UP_MS of delay is caught up (a short
      // burst, still within the window's limit, which the limiter enforces on its own).
      const gap = this.#gapMs()
      const due = this.#paceAt === -Infinity ? now : Math.max(this.#paceAt, now - Math.max(gap, CATCH_UP_MS))
      this.#paceAt = due + gap
      this.#start(q, admission.kind === 'probe')
      // Round-robin within its priority: this recipient goes to the back.
      const queues = this.#queues[q.priority]
      queues.delete(q.to)
      queues.set(q.to, q)
    }
    this.#arm(wakeAt)
  }

  #start (q: RecipientQueue, probe: boolean): void {
    const recipient = q.recipient
    recipient.running = q
    const job = q.jobs[0]!
    const attempt = q.attempt
    let committed = false
    const slot: RateSlot = {
      commit: () => {
        if (committed) return
        committed = true
        this.limiter.commit(this.#timers.clock())
      }
    }
    void job.run(attempt, slot).catch((): AttemptResult => ({ kind: 'retry', afterMs: 1000, scope: 'recipient' })).then((result) => {
      if (!committed) { committed = true; this.limiter.release() }
      this.#gate.leave()
      recipient.running = undefined
      const now = this.#timers.clock()
      if (result.kind === 'blocked') {
        // Not sent (Meta refused it): it stays first in line for when the breaker closes.
        recipient.notBefore = 0
      } else if (result.kind === 'done') {
        q.jobs.shift()
        q.attempt = 0
        this.#queued--
        // Closed or evicted meanwhile: the queue may be gone already.
        if (q.jobs.length === 0 && this.#queues[q.priority].get(q.to) === q) this.#drop(q)
      } else {
        q.attempt++
        recipient.notBefore = now + result.afterMs
        if (result.scope === 'number') this.#throttled(now, result.afterMs)
      }
      // After the queue is up to date: the breakers' listeners may evict jobs or pump this lane.
      this.#breaker?.ended(result, probe)
      this.pump()
    })
  }

  /**
   * Sends are spread evenly over the window (one per window/limit ms) rather than sent in a burst
   * when the window frees: a burst queues at the receiver, and since a send counts until Meta's
   * answer, queueing delay would cost throughput in every window.
   */
  #gapMs (): number {
    return 1000 / this.limiter.limit
  }

  #throttled (now: number, afterMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, now + afterMs)
    // Recovery counts clean seconds from the end of the pause.
    this.#lastThrottleAt = this.#pausedUntil
    this.limiter.setLimit(Math.max(1, Math.floor(this.limiter.limit * 0.8)))
  }

  #recover (now: number): void {
    const limit = this.limiter.limit
    if (limit >= this.#configuredRate || now - this.#lastThrottleAt < 1000) return
    const steps = Math.floor((now - this.#lastThrottleAt) / 1000)
    this.limiter.setLimit(Math.min(this.#configuredRate, limit + Math.max(1, Math.floor(this.#configuredRate * 0.05)) * steps))
    this.#lastThrottleAt = now
  }

  #arm (at: number): void {
    if (at === Infinity) return
    if (this.#timer && this.#timerAt <= at) return
    this.#timer?.cancel()
    this.#timerAt = at
    this.#timer = this.#timers.setTimer(() => { this.#timer = undefined; this.#timerAt = Infinity; this.pump() }, Math.max(1, at - this.#timers.clock()))
  }
}
