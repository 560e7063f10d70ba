import type { Logger } from '@wabridge/telemetry'
import type { NotifierConfig } from './config.ts'
import type { Notification } from './dispatcher.ts'
import type { ReceiverSpec } from './receivers-file.ts'
import { createReceiverQueue, type ReceiverQueue } from './receiver-queue.ts'
import { createSender } from './receivers/sender.ts'
import { createTokenBucket } from './token-bucket.ts'

export interface ReceiverHandlers {
  onDelivered: (n: Notification, durationMs: number) => Promise<void>
  onFailed: (n: Notification, err: Error) => void
  onDropped: (n: Notification) => void
}

/** One queue per receiver, with its sender, token bucket and retry settings (file values win over the env defaults). */
export function createReceiverQueues (specs: readonly ReceiverSpec[], config: NotifierConfig, deps: { clock: () => number, logger: Logger, externalUrl: () => string } & ReceiverHandlers): Map<string, ReceiverQueue> {
  const queues = new Map<string, ReceiverQueue>()
  for (const spec of specs) {
    const sender = createSender(spec, {
      timeoutMs: spec.timeout_ms ?? config.NOTIFIER_SEND_TIMEOUT_MS,
      get externalUrl () { return deps.externalUrl() }
    })
    const bucket = createTokenBucket({ perMinute: spec.rate?.per_minute ?? config.NOTIFIER_RATE_PER_MINUTE, burst: spec.rate?.burst ?? config.NOTIFIER_RATE_BURST }, deps.clock)
    queues.set(spec.name, createReceiverQueue({
      receiver: spec.name,
      maxQueued: config.NOTIFIER_QUEUE_MAX,
      retries: spec.retries ?? config.NOTIFIER_RETRIES,
      retryMinMs: config.NOTIFIER_RETRY_MIN_MS,
      retryMaxMs: config.NOTIFIER_RETRY_MAX_MS
    }, { sender, bucket, logger: deps.logger, onDelivered: deps.onDelivered, onFailed: deps.onFailed, onDropped: deps.onDropped }))
  }
  return queues
}
