/**
 * The load generator, run as its own process (forked by run.ts) so it does not share an event
 * loop with the server under test. Keeps `connections × pipelining` signed webhooks in flight over
 * keep-alive connections for `warmupS + durationS` seconds; measures only after the warm-up.
 */
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { createWebhookFactory } from './webhooks.ts'

export interface LoadOptions { url: string, secret: string, durationS: number, warmupS: number, connections: number, pipelining: number }
export interface LoadResult { requests: number, answered: number, accepted: number, perSecond: number, statuses: Record<string, number>, errors: Record<string, number>, latencyMs: { p50: number, p90: number, p99: number, max: number, mean: number } }

export async function runLoad (options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: options.pipelining, keepAliveTimeout: 60_000 })
  const next = createWebhookFactory(options.secret)
  const latencies = new Float64Array(Math.max(1, options.durationS) * 200_000)
  let count = 0
  let accepted = 0
  let answered = 0
  const statuses: Record<string, number> = {}
  const errors: Record<string, number> = {}
  const start = performance.now()
  const measureFrom = start + options.warmupS * 1000
  const end = measureFrom + options.durationS * 1000

  async function worker (): Promise<void> {
    while (performance.now() < end) {
      const { body, signature } = next()
      const sent = performance.now()
      try {
        const res = await pool.request({ path: '/webhook', method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } })
        await res.body.dump()
        const done = performance.now()
        answered++
        if (res.statusCode === 200) accepted++
        if (sent < measureFrom || done > end) continue
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
        if (count < latencies.length) latencies[count] = done - sent
        count++
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).message
        errors[code] = (errors[code] ?? 0) + 1
      }
    }
  }

  await Promise.all(Array.from({ length: options.connections * options.pipelining }, worker))
  await pool.close()
  const sorted = latencies.subarray(0, Math.min(count, latencies.length)).sort()
  const at = (q: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  let sum = 0
  for (const v of sorted) sum += v
  return {
    requests: count,
    answered,
    accepted,
    perSecond: count / options.durationS,
    statuses,
    errors,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.length ? sorted[sorted.length - 1]! : NaN, mean: sum / Math.max(1, sorted.length) }
  }
}

if (process.send) {
  process.once('message', (options: LoadOptions) => {
    runLoad(options).then((result) => process.send!({ result }, () => process.exit(0)), (err: unknown) => {
      process.send!({ error: String((err as Error).stack ?? err) }, () => process.exit(1))
    })
  })
}
