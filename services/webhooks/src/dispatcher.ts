import type { WebhookDelivery, WebhookSubscription } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { EndpointHealth } from './endpoint-health.ts'
import { webhookIdOf, type SourceEvent } from './events.ts'
import type { WebhooksMetrics } from './instruments.ts'
import type { Outputs } from './records-out.ts'
import { laneOf, type Queued, type RetryStore } from './retry-store.ts'
import type { SendOutcome } from './sender.ts'
import { wants } from './subscriptions.ts'

/** Where a source record came from (kept on parked and failed deliveries). */
export interface SourcePosition { topic: string, partition: number, offset: string }

export interface DispatcherDeps {
  subscriptions: () => WebhookSubscription[]
  retry: Pick<RetryStore, 'isParked' | 'queue'>
  attempt: (sub: WebhookSubscription, delivery: WebhookDelivery) => Promise<SendOutcome>
  outputs: Pick<Outputs, 'failed'>
  health: EndpointHealth
  metrics: WebhooksMetrics
  /** Called after a failed direct attempt (it may disable the endpoint). */
  onFailure: (sub: WebhookSubscription, failingMs: number) => Promise<void>
  logger: Logger
  now: () => number
}

export function toDelivery (sub: WebhookSubscription, event: SourceEvent, source: SourcePosition, now: number): WebhookDelivery {
  return {
    webhook_id: webhookIdOf(sub.subscription_id, event.eventKey),
    subscription_id: sub.subscription_id,
    conversation: event.conversation,
    event_type: event.type,
    body: event.body,
    event_at: event.eventAt,
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
    parked_at: now,
    first_failed_at: null,
    attempts: 0,
    last_error: null,
    failed_at: null,
    failed_reason: null
  }
}

/**
 * Delivers source events to the subscriptions that want them. Each delivery is done (2xx) or
 * durable in Kafka (parked in the retry topic, or kept in the failed topic) when dispatch()
 * resolves, so the caller may then commit the source offset. Deliveries of one lane (subscription
 * + conversation) run one after another in call order; a lane with deliveries already waiting
 * parks new ones behind them without an attempt, so a later event never overtakes an earlier one.
 */
export interface Dispatcher {
  dispatch (event: SourceEvent, source: SourcePosition): Promise<void>
}

export function createDispatcher (deps: DispatcherDeps): Dispatcher {
  const { retry, health, metrics } = deps
  const tails = new Map<string, Promise<void>>()

  // Chains `work` after the lane's previous work; the map forgets a lane once its chain is idle.
  function inLane<T> (lane: string, work: () => Promise<T>): Promise<T> {
    const previous = tails.get(lane) ?? Promise.resolve()
    const next = previous.then(work)
    const tail = next.then(() => {}, () => {})
    tails.set(lane, tail)
    void tail.then(() => { if (tails.get(lane) === tail) tails.delete(lane) })
    return next
  }

  // Resolves when the next delivery of the lane may start; the value, when there is one, is the
  // acknowledgement of a parked record, which the batch (not the lane) waits for.
  async function deliverOne (sub: WebhookSubscription, delivery: WebhookDelivery): Promise<Queued | undefined> {
    const lane = laneOf(sub.subscription_id, delivery.conversation)
    const now = deps.now()
    if (!sub.enabled) {
      await deps.outputs.failed(delivery, `subscription disabled: ${sub.disabled_reason ?? ''}`.trim(), now)
      metrics.delivery(sub.subscription_id, 'given_up')
      return undefined
    }
    if (retry.isParked(lane) || health.isCoolingDown(sub.subscription_id, now)) {
      metrics.delivery(sub.subscription_id, 'parked')
      return await retry.queue({ ...delivery, parked_at: now })
    }
    const outcome = await deps.attempt(sub, delivery)
    metrics.latency(sub.subscription_id, outcome.durationMs, outcome.ok)
    if (outcome.ok) {
      health.success(sub.subscription_id)
      metrics.delivery(sub.subscription_id, 'ok')
      return undefined
    }
    const failedAt = deps.now()
    metrics.delivery(sub.subscription_id, 'failed')
    deps.logger.debug({ subscriptionId: sub.subscription_id, webhookId: delivery.webhook_id, error: outcome.error }, 'delivery failed, parked for retry')
    const acked = await retry.queue({ ...delivery, parked_at: failedAt, first_failed_at: failedAt, attempts: 1, last_error: outcome.error })
    metrics.delivery(sub.subscription_id, 'parked')
    await deps.onFailure(sub, health.failure(sub.subscription_id, failedAt, failedAt, outcome.status === null))
    return acked
  }

  return {
    async dispatch (event, source) {
      const now = deps.now()
      const work = deps.subscriptions()
        .filter((sub) => wants(sub, event))
        .map((sub) => inLane(laneOf(sub.subscription_id, event.conversation), () => deliverOne(sub, toDelivery(sub, event, source, now))))
      await Promise.all((await Promise.all(work)).map((queued) => queued?.acked ?? Promise.resolve()))
    }
  }
}
