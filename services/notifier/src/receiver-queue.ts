import { setTimeout as sleep } from 'node:timers/promises'
import pRetry from 'p-retry'
import type { Logger } from '@wabridge/telemetry'
import { isRetryable } from './delivery-error.ts'
import type { Notification } from './dispatcher.ts'
import type { Sender } from './receivers/sender.ts'
import type { TokenBucket } from './token-bucket.ts'

export interface ReceiverQueueOptions {
  receiver: string
  /** Notifications waiting (one per group); beyond it the oldest waiting one is dropped. */
  maxQueued: number
  /** Retries after the first attempt. */
  retries: number
  retryMinMs: number
  retryMaxMs: number
}

export interface ReceiverQueueDeps {
  sender: Sender
  bucket: TokenBucket
  logger: Logger
  /** Called after a delivery, with its duration from the first attempt, ms. */
  onDelivered: (n: Notification, durationMs: number) => Promise<void>
  onFailed: (n: Notification, err: Error) => void
  /** A waiting notification was pushed out by a newer one; its group sends again at its next interval. */
  onDropped: (n: Notification) => void
}

export interface ReceiverQueue {
  /** Queues a notification; a waiting one of the same group is replaced (merged: the newer one holds the group's latest state). */
  offer(n: Notification): void
  /** True while a notification of the group waits or is being delivered. */
  has(id: string): boolean
  readonly size: number
  /** Nothing waiting and nothing being delivered. */
  readonly isIdle: boolean
  start(): void
  /** Aborts the delivery under way and ends the worker. Idempotent. */
  stop(): Promise<void>
}

/**
 * One receiver's bounded queue and its worker: one delivery at a time, each after taking a token of
 * the receiver's bucket, retried with exponential backoff (p-retry). A slow or dead receiver only
 * ever holds up its own queue.
 */
export function createReceiverQueue (options: ReceiverQueueOptions, deps: ReceiverQueueDeps): ReceiverQueue {
  const waiting = new Map<string, Notification>()
  const abort = new AbortController()
  let current: string | undefined
  let wake: (() => void) | undefined
  let worker: Promise<void> | undefined

  async function nextToken (): Promise<void> {
    // The bucket's clock may be injected, so its wait is polled rather than slept in one go.
    while (!deps.bucket.tryTake()) await sleep(Math.min(Math.max(deps.bucket.waitMs(), 10), 250), undefined, { signal: abort.signal })
  }

  async function deliver (n: Notification): Promise<void> {
    const started = performance.now()
    try {
      await pRetry(() => deps.sender.send(n, abort.signal), {
        retries: options.retries,
        minTimeout: options.retryMinMs,
        maxTimeout: options.retryMaxMs,
        factor: 2,
        randomize: true,
        signal: abort.signal,
        shouldRetry: ({ error }) => isRetryable(error),
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          deps.logger.warn({ receiver: options.receiver, group: n.groupKey, attempt: attemptNumber, retriesLeft, err: error }, 'notification attempt failed')
        }
      })
    } catch (err) {
      if (abort.signal.aborted) return
      deps.onFailed(n, err as Error)
      return
    }
    await deps.onDelivered(n, performance.now() - started)
  }

  async function run (): Promise<void> {
    while (!abort.signal.aborted) {
      const [id, n] = waiting.entries().next().value ?? []
      if (!id || !n) {
        await new Promise<void>((resolve) => { wake = resolve })
        continue
      }
      current = id
      try {
        await nextToken()
        // Taken only now: a newer state of the group offered while this one waited for a token replaced it.
        const latest = waiting.get(id) ?? n
        waiting.delete(id)
        await deliver(latest)
      } catch (err) {
        if (!abort.signal.aborted) deps.logger.error({ err, receiver: options.receiver }, 'notification worker failed')
      } finally {
        current = undefined
      }
    }
  }

  return {
    offer (n) {
      // The one waiting for its token (current) is not counted: it is as good as being delivered.
      const queued = waiting.size - (current !== undefined && waiting.has(current) ? 1 : 0)
      if (!waiting.has(n.id) && queued >= options.maxQueued) {
        const oldest = [...waiting.values()].find((w) => w.id !== current)
        if (oldest) {
          waiting.delete(oldest.id)
          deps.onDropped(oldest)
        }
      }
      waiting.set(n.id, n)
      wake?.()
      wake = undefined
    },
    has: (id) => waiting.has(id) || current === id,
    get size () { return waiting.size },
    get isIdle () { return waiting.size === 0 && current === undefined },
    start () { worker ??= run() },
    async stop () {
      if (abort.signal.aborted) return
      abort.abort()
      wake?.()
      await worker
      await deps.sender.close()
    }
  }
}
