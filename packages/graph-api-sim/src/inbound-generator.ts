/** A run of inbound customer messages for one number. */
export interface InboundOptions {
  phoneNumberId: string
  /** Messages per second. */
  rate: number
  /** Stop after this long (ms). */
  durationMs?: number
  /** Stop after this many messages. Without durationMs or count, runs until stopped. */
  count?: number
  /** Sender wa_id(s); by default a pool of 50 generated numbers. */
  from?: string | string[]
}

/** A running generator as listed by the sim. */
export interface InboundRun extends InboundOptions {
  id: string
  sent: number
}

/** Runs inbound generators; `emit` is called once per generated message. */
export interface InboundGenerators {
  start (options: InboundOptions): string
  stop (id: string): boolean
  stopAll (): void
  list (): InboundRun[]
}

const TICK_MS = 10
const DEFAULT_SENDERS = Array.from({ length: 50 }, (_, i) => `1555010${String(i).padStart(4, '0')}`)

export function createInboundGenerators (emit: (phoneNumberId: string, from: string) => void): InboundGenerators {
  const runs = new Map<string, { run: InboundRun, timer: NodeJS.Timeout }>()
  let nextId = 1

  function stop (id: string): boolean {
    const r = runs.get(id)
    if (!r) return false
    clearInterval(r.timer)
    runs.delete(id)
    return true
  }

  return {
    start (options) {
      if (!(options.rate > 0)) throw Object.assign(new Error('rate must be > 0'), { code: 'SIM_INVALID_INBOUND' })
      const id = `in${nextId++}`
      const senders = options.from === undefined ? DEFAULT_SENDERS : Array.isArray(options.from) ? options.from : [options.from]
      const run: InboundRun = { ...options, id, sent: 0 }
      const startedAt = performance.now()
      // Real time paces the run; each tick emits what is due so the average rate is exact.
      const timer = setInterval(() => {
        // Message i is due at i × 1000 / rate ms; a duration ends the run before its end time.
        const elapsed = performance.now() - startedAt
        const ended = options.durationMs !== undefined && elapsed >= options.durationMs
        let due = ended ? Math.ceil(((options.durationMs as number) * options.rate) / 1000) : Math.floor((elapsed * options.rate) / 1000) + 1
        if (options.count !== undefined) due = Math.min(due, options.count)
        while (run.sent < due) emit(options.phoneNumberId, senders[run.sent++ % senders.length] as string)
        const done = ended || (options.count !== undefined && run.sent >= options.count)
        if (done) stop(id)
      }, TICK_MS)
      timer.unref()
      runs.set(id, { run, timer })
      return id
    },
    stop,
    stopAll () { for (const id of [...runs.keys()]) stop(id) },
    list: () => [...runs.values()].map((r) => ({ ...r.run }))
  }
}
