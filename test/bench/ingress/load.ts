/**
 * The load generator, run as its own process (forked by run.ts) so it does not share an event
 * loop with the server under test. Keeps `connections × pipelining` signed webhooks in flight over
 * keep-alive connections for `warmupS + durationS` seconds; measures only after the warm-up.
 *
 * With `rate` > 0 the load is open instead: webhook i is due at start + i / rate, whether earlier
 * ones were answered or not (as Meta sends them), over the same connections (undici queues what
 * they cannot take at once). Its latency counts from when it was due, not from when a connection
 * took it, so a server that falls behind shows its backlog in the percentiles.
 */
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { createWebhookFactory } from './webhooks.ts'

export interface LoadOptions { url: string, secret: string, durationS: number, warmupS: number, connections: number, pipelining: number, rate?: number }
export interface LoadResult { requests: number, answered: number, answeredAfterWarmup: number, accepted: number, perSecond: number, statuses: Record<string, number>, errors: Record<string, number>, latencyMs: { p50: number, p90: number, p99: number, max: number, mean: number } }

/** `onMeasuring` is called when the warm-up ends (the server's CPU is read from then on). */
export async function runLoad (options: LoadOptions, onMeasuring?: () => void): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: options.pipelining, keepAliveTimeout: 60_000 })
  const next = createWebhookFactory(options.secret)
  const latencies = new Float64Array(Math.max(1, options.durationS) * 200_000)
  let count = 0
  let accepted = 0
  let answered = 0
  let answeredAfterWarmup = 0
  const statuses: Record<string, number> = {}
  const errors: Record<string, number> = {}
  const start = performance.now()
  const measureFrom = start + options.warmupS * 1000
  const end = measureFrom + options.durationS * 1000
  const warmupTimer = setTimeout(() => onMeasuring?.(), options.warmupS * 1000)

  const isOpen = options.rate !== undefined && options.rate > 0

  /** Sends one webhook due at `sent`; measured when due after the warm-up (closed load: and answered before the end). */
  async function send (sent: number): Promise<void> {
    const { body, signature } = next()
    try {
      const res = await pool.request({ path: '/webhook', method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } })
      await res.body.dump()
      const done = performance.now()
      answered++
      if (done >= measureFrom) answeredAfterWarmup++
      if (res.statusCode === 200) accepted++
      if (sent < measureFrom || (!isOpen && done > end)) return
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
      if (count < latencies.length) latencies[count] = done - sent
      count++
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).message
      errors[code] = (errors[code] ?? 0) + 1
    }
  }

  async function worker (): Promise<void> {
    while (performance.now() < end) await send(performance.now())
  }

  /** Open load: every webhook due by now goes out, then a wait of about a millisecond. */
  async function paced (rate: number): Promise<void> {
    const inFlight = new Set<Promise<void>>()
    for (let i = 0; ; i++) {
      const due = start + (i * 1000) / rate
      if (due >= end) break
      const wait = due - performance.now()
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
      // Late (the generator was busy): its latency counts from when it was due. Up to a millisecond
      // early: from when it went.
      const request = send(Math.min(due, performance.now()))
      inFlight.add(request)
      void request.finally(() => inFlight.delete(request))
    }
    await Promise.all(inFlight)
  }

  if (isOpen) await paced(options.rate!)
  else await Promise.all(Array.from({ length: options.connections * options.pipelining }, worker))
  clearTimeout(warmupTimer)
  await pool.close()
  const sorted = latencies.subarray(0, Math.min(count, latencies.length)).sort()
  const at = (q: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  let sum = 0
  for (const v of sorted) sum += v
  return {
    requests: count,
    answered,
    answeredAfterWarmup,
    accepted,
    perSecond: count / options.durationS,
    statuses,
    errors,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, mean: sum / Math.max(1, sorted.length) }
  }
}

if (process.send) {
  process.once('message', (options: LoadOptions) => {
    runLoad(options, () => process.send!({ measuring: true })).then((result) => process.send!({ result }, () => process.exit(0)), (err: unknown) => {
      process.send!({ error: String((err as Error).stack ?? err) }, () => process.exit(1))
    })
  })
}
