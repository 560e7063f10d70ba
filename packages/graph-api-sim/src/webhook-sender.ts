import { Agent, request } from 'undici'
import { signWebhookBody, toMetaJson } from '@wabridge/webhook-signature'
import type { SimLogger } from './logger.ts'
import { buildEnvelope, type WebhookEvent } from './webhook-envelope.ts'

/** Webhook delivery tuning; durations in ms. */
export interface WebhookOptions {
  /** How long events are collected into one POST. Default 20. */
  batchMs: number
  /** Most events per POST (Meta: up to 1000, not guaranteed). Default 100. */
  maxBatch: number
  /** Concurrent POSTs (Meta delivers concurrently). Default 8. */
  concurrency: number
  /** Backoff base: the first retry is immediate, then base × 2^(n-2), capped. Default 1000. */
  retryBaseMs: number
  /** Longest wait between retries. Default 60,000. */
  maxRetryDelayMs: number
  /** Attempts per POST before it is dropped (Meta keeps trying for 7 days). Default 10. */
  maxAttempts: number
  /** Response timeout per POST. Default 10,000. */
  timeoutMs: number
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  batchMs: 20, maxBatch: 100, concurrency: 8, retryBaseMs: 1000, maxRetryDelayMs: 60_000, maxAttempts: 10, timeoutMs: 10_000
}

/** Counters of webhook delivery. */
export interface WebhookStats {
  events: number
  posts: number
  delivered: number
  failedAttempts: number
  retries: number
  dropped: number
  pendingEvents: number
  inFlight: number
}

/** Batches events, signs each body with the app secret and POSTs it, retrying on non-200. */
export interface WebhookSender {
  enqueue (event: WebhookEvent): void
  /** True when nothing is pending, in flight or waiting to retry. */
  isIdle (): boolean
  stats (): WebhookStats
  resetStats (): void
  /** Cancels batches and retries, aborts in-flight POSTs and closes sockets. Idempotent. */
  stop (): Promise<void>
}

interface Job { body: Buffer, attempt: number, events: number }

export function createWebhookSender (input: { url: string, appSecret: string, options: WebhookOptions, logger: SimLogger }): WebhookSender {
  const { url, appSecret, options: o, logger } = input
  const agent = new Agent({ connections: o.concurrency, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs })
  const abort = new AbortController()
  const pending: WebhookEvent[] = []
  const outbox: Job[] = []
  const retryTimers = new Set<NodeJS.Timeout>()
  const inFlight = new Set<Promise<void>>()
  let batchTimer: NodeJS.Timeout | undefined
  let stopped = false
  const s = { events: 0, posts: 0, delivered: 0, failedAttempts: 0, retries: 0, dropped: 0 }

  function flush (): void {
    if (batchTimer) clearTimeout(batchTimer)
    batchTimer = undefined
    while (pending.length > 0) {
      const batch = pending.splice(0, o.maxBatch)
      // Meta escapes non-ASCII as \uXXXX; the signature covers exactly these bytes.
      outbox.push({ body: Buffer.from(toMetaJson(buildEnvelope(batch))), attempt: 0, events: batch.length })
    }
    pump()
  }

  function pump (): void {
    if (stopped) return
    while (inFlight.size < o.concurrency && outbox.length > 0) {
      const p = deliver(outbox.shift() as Job).finally(() => { inFlight.delete(p); pump() })
      inFlight.add(p)
    }
  }

  function retryDelay (attempt: number): number {
    return attempt <= 1 ? 0 : Math.min(o.retryBaseMs * 2 ** (attempt - 2), o.maxRetryDelayMs)
  }

  async function deliver (job: Job): Promise<void> {
    s.posts++
    let status = 0
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        signal: abort.signal,
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(job.body, appSecret) },
        body: job.body
      })
      status = res.statusCode
      await res.body.dump()
    } catch (err) {
      if (stopped) return
      logger.debug({ err }, 'webhook post failed')
    }
    if (status === 200) { s.delivered++; return }
    s.failedAttempts++
    job.attempt++
    if (stopped) return
    if (job.attempt >= o.maxAttempts) {
      s.dropped += job.events
      logger.warn({ status, attempts: job.attempt }, 'webhook dropped after retries')
      return
    }
    s.retries++
    const timer = setTimeout(() => { retryTimers.delete(timer); outbox.push(job); pump() }, retryDelay(job.attempt))
    retryTimers.add(timer)
  }

  return {
    enqueue (event) {
      if (stopped) return
      s.events++
      pending.push(event)
      if (pending.length >= o.maxBatch) flush()
      else batchTimer ??= setTimeout(flush, o.batchMs)
    },
    isIdle: () => pending.length === 0 && outbox.length === 0 && inFlight.size === 0 && retryTimers.size === 0,
    stats: () => ({ ...s, pendingEvents: pending.length + outbox.reduce((n, j) => n + j.events, 0), inFlight: inFlight.size }),
    resetStats () { Object.assign(s, { events: 0, posts: 0, delivered: 0, failedAttempts: 0, retries: 0, dropped: 0 }) },
    async stop () {
      if (stopped) return
      stopped = true
      if (batchTimer) clearTimeout(batchTimer)
      for (const t of retryTimers) clearTimeout(t)
      retryTimers.clear()
      abort.abort()
      await Promise.allSettled([...inFlight])
      await agent.destroy()
    }
  }
}
