import type { WebhookDelivery, WebhookSubscription } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { isRetryPeriodOver, nextAttemptAt, type BackoffOptions } from './backoff.ts'
import type { EndpointHealth } from './endpoint-health.ts'
import type { WebhooksMetrics } from './instruments.ts'
import type { Outputs } from './records-out.ts'
import type { Pending, RetryStore } from './retry-store.ts'
import type { SendOutcome } from './sender.ts'

export interface RetryWorkerDeps {
  retry: Pick<RetryStore, 'lanes' | 'resolve'>
  subscription: (id: string) => WebhookSubscription | undefined
  /** True while this instance owns the retry partition (only the owner retries its lanes). */
  owns: (partition: number) => boolean
  attempt: (sub: WebhookSubscription, delivery: WebhookDelivery) => Promise<SendOutcome>
  outputs: Pick<Outputs, 'failed'>
  health: EndpointHealth
  metrics: WebhooksMetrics
  onFailure: (sub: WebhookSubscription, failingMs: number) => Promise<void>
  backoff: BackoffOptions
  logger: Logger
  now: () => number
  /** Longest sleep between two looks at the lanes, ms (an injected clock may jump meanwhile). Default 1000. */
  maxSleepMs?: number
}

/** Retries the head of each owned lane when it is due, one delivery per lane at a time. */
export interface RetryWorker {
  start (): void
  /** Looks for due deliveries now (new records, a new assignment, a changed subscription). */
  wake (): void
  /** Starts no more attempts and waits for those in flight. */
  stop (): Promise<void>
}

export function createRetryWorker (deps: RetryWorkerDeps): RetryWorker {
  const maxSleepMs = deps.maxSleepMs ?? 1000
  const busy = new Set<string>()
  const inFlight = new Set<Promise<void>>()
  // In memory only: after a restart the last attempt counts as the park time (one attempt soon after start).
  const lastAttemptAt = new Map<string, number>()
  let timer: NodeJS.Timeout | undefined
  let isRunning = false

  function track (p: Promise<void>): void {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }

  async function giveUp (pending: Pending, reason: string): Promise<void> {
    await deps.outputs.failed(pending.delivery, reason, deps.now())
    await deps.retry.resolve(pending)
    lastAttemptAt.delete(pending.delivery.webhook_id)
    deps.metrics.delivery(pending.delivery.subscription_id, 'given_up')
  }

  async function retryHead (sub: WebhookSubscription, pending: Pending): Promise<void> {
    const { delivery } = pending
    deps.metrics.delivery(sub.subscription_id, 'retried')
    const outcome = await deps.attempt(sub, delivery)
    const now = deps.now()
    lastAttemptAt.set(delivery.webhook_id, now)
    deps.metrics.latency(sub.subscription_id, outcome.durationMs, outcome.ok)
    if (outcome.ok) {
      deps.health.success(sub.subscription_id)
      deps.metrics.delivery(sub.subscription_id, 'ok')
      lastAttemptAt.delete(delivery.webhook_id)
      // resolve() drops it here at once, so the lane's next delivery may go while the tombstone is written.
      track(deps.retry.resolve(pending).catch((err: unknown) => {
        deps.logger.warn({ err, webhookId: delivery.webhook_id }, 'tombstone of a delivered webhook not written: it is sent again after a restart')
      }))
      return
    }
    deps.metrics.delivery(sub.subscription_id, 'failed')
    pending.firstFailedAt ??= now
    pending.delivery = { ...delivery, attempts: delivery.attempts + 1, last_error: outcome.error }
    if (isRetryPeriodOver(pending.firstFailedAt, now, deps.backoff)) {
      await giveUp(pending, `retry period over after ${pending.delivery.attempts} attempts: ${outcome.error}`)
    }
    await deps.onFailure(sub, deps.health.failure(sub.subscription_id, pending.firstFailedAt, now, outcome.status === null))
  }

  // Whether the lane's head should be worked now; lanes of a removed or disabled subscription are emptied.
  function dueWork (head: Pending, now: number): { run: () => Promise<void> } | { at: number } | undefined {
    if (!deps.owns(head.partition)) return undefined
    const sub = deps.subscription(head.delivery.subscription_id)
    if (sub === undefined) return { run: () => giveUp(head, 'subscription removed') }
    if (!sub.enabled) return { run: () => giveUp(head, `subscription disabled: ${sub.disabled_reason ?? ''}`.trim()) }
    const at = nextAttemptAt(head.firstFailedAt, lastAttemptAt.get(head.delivery.webhook_id) ?? head.delivery.parked_at, deps.backoff)
    return at <= now ? { run: () => retryHead(sub, head) } : { at }
  }

  function look (): void {
    clearTimeout(timer)
    timer = undefined
    if (!isRunning) return
    const now = deps.now()
    let next = now + maxSleepMs
    for (const [lane, list] of deps.retry.lanes()) {
      if (busy.has(lane) || list.length === 0) continue
      const work = dueWork(list[0]!, now)
      if (work === undefined) continue
      if ('at' in work) { next = Math.min(next, work.at); continue }
      busy.add(lane)
      const p = work.run()
        .catch((err: unknown) => { deps.logger.error({ err, lane }, 'retry of a webhook delivery failed (tried again later)') })
        .finally(() => { busy.delete(lane); inFlight.delete(p); wake() })
      inFlight.add(p)
    }
    timer = setTimeout(look, Math.max(10, next - now))
  }

  function wake (): void {
    if (!isRunning) return
    clearTimeout(timer)
    timer = setTimeout(look, 0)
  }

  return {
    start () { isRunning = true; wake() },
    wake,
    async stop () {
      isRunning = false
      clearTimeout(timer)
      await Promise.all([...inFlight])
    }
  }
}
