import { createHash } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type Codec, type WebhookDelivery } from '@wabridge/schemas'
import { createTopicView, type TopicView } from './topic-view.ts'

/** A delivery waiting in the retry topic, where the view found it. */
export interface Pending {
  delivery: WebhookDelivery
  partition: number
  offset: bigint
  /** First failed attempt; set in memory when a never-tried delivery fails (the record keeps null). */
  firstFailedAt: number | null
}

/** Deliveries of one subscription and one conversation keep their order: they form a lane. */
export function laneOf (subscriptionId: string, conversation: string): string {
  return `${subscriptionId}|${conversation}`
}

/** The retry partition of a lane: every delivery of a lane goes to one partition, so offsets order them. */
export function lanePartition (lane: string, partitions: number): number {
  return createHash('sha256').update(lane).digest().readUInt32BE(0) % partitions
}

/** Writes `delivery` to the retry topic, in its lane's partition (of `partitions`). */
export async function writeParked (deps: { producer: WabridgeProducer, codec: Codec, topic: string }, partitions: number, delivery: WebhookDelivery): Promise<void> {
  await (await queueParked(deps, partitions, delivery)).acked
}

/**
 * Hands `delivery` to the producer and resolves once it is queued, with a promise of Kafka's
 * acknowledgement: records queued one after another reach their partition in that order, so a lane
 * can queue its next delivery without waiting for the previous one's round trip.
 */
export async function queueParked (deps: { producer: WabridgeProducer, codec: Codec, topic: string }, partitions: number, delivery: WebhookDelivery): Promise<Queued> {
  const value = await deps.codec.serialize(deps.topic, 'WebhookDelivery', delivery)
  const acked = deps.producer.send([{
    topic: deps.topic,
    partition: lanePartition(laneOf(delivery.subscription_id, delivery.conversation), partitions),
    key: delivery.webhook_id,
    value,
    headers: toKafkaHeaders({ eventId: delivery.webhook_id, contentType: contentTypeFor('WebhookDelivery'), schemaFingerprint: deps.codec.fingerprintHex('WebhookDelivery') })
  }])
  return { acked: acked.then(() => {}) }
}

/** A record handed to the producer (in a wrapper: a promise resolving to a promise would be flattened). */
export interface Queued { acked: Promise<void> }

export interface RetryStoreDeps {
  kafka: Kafka
  producer: WabridgeProducer
  codec: Codec
  /** The compacted retry topic. */
  topic: string
  groupPrefix: string
  onCrash: (err: Error) => void
  /** Called when the view added deliveries (the worker looks for due ones). */
  onAdded?: () => void
}

/**
 * The deliveries waiting for a retry, from the compacted retry topic (key webhook_id; a tombstone
 * once delivered or given up), read whole by every instance and kept per lane in offset order.
 */
export interface RetryStore {
  start (): Promise<void>
  stop (): Promise<void>
  /** True while the lane has deliveries waiting, or parks written here that the view has not seen yet. */
  isParked (lane: string): boolean
  /** The lanes with waiting deliveries, each in order. */
  lanes (): IterableIterator<[string, Pending[]]>
  /** Deliveries waiting, per subscription. */
  backlog (): Map<string, number>
  /** Writes `delivery` to the retry topic (resolves once Kafka acknowledged it). */
  park (delivery: WebhookDelivery): Promise<void>
  /** Same, resolving once the record is queued, with the acknowledgement to wait for (see queueParked). */
  queue (delivery: WebhookDelivery): Promise<Queued>
  /** Drops a delivered or given-up delivery here at once (synchronously), then writes its tombstone. */
  resolve (pending: Pending): Promise<void>
  readonly partitions: number
}

export function createRetryStore (deps: RetryStoreDeps): RetryStore {
  const lanes = new Map<string, Pending[]>()
  const byId = new Map<string, Pending>()
  // Parks written here and not yet seen by the view, per lane: the lane counts as parked meanwhile.
  const inFlight = new Map<string, string>()
  let partitions = 1
  let view: TopicView | undefined

  const drop = (id: string) => {
    const known = byId.get(id)
    if (known === undefined) return
    byId.delete(id)
    const lane = laneOf(known.delivery.subscription_id, known.delivery.conversation)
    const list = lanes.get(lane)?.filter((p) => p !== known) ?? []
    if (list.length === 0) lanes.delete(lane)
    else lanes.set(lane, list)
  }

  const add = (pending: Pending) => {
    drop(pending.delivery.webhook_id)
    byId.set(pending.delivery.webhook_id, pending)
    const lane = laneOf(pending.delivery.subscription_id, pending.delivery.conversation)
    const list = lanes.get(lane) ?? []
    list.push(pending)
    // A lane's records share a partition, so the offset orders them (a replayed one comes last).
    list.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))
    lanes.set(lane, list)
  }

  return {
    get partitions () { return partitions },
    async start () {
      const admin = deps.kafka.admin()
      await admin.connect()
      const meta = await admin.fetchTopicMetadata({ topics: [deps.topic] }).finally(() => admin.disconnect())
      partitions = meta.topics[0]?.partitions.length ?? 1
      view = createTopicView(deps.kafka, {
        topic: deps.topic,
        groupPrefix: deps.groupPrefix,
        onCrash: deps.onCrash,
        onRecord: async (message, partition) => {
          const id = message.key?.toString('utf8')
          if (id === undefined) return
          inFlight.delete(id)
          if (message.value === null) { drop(id); return }
          const delivery = (await deps.codec.deserialize(message.value, 'WebhookDelivery')).value
          add({ delivery, partition, offset: BigInt(message.offset), firstFailedAt: delivery.first_failed_at })
          deps.onAdded?.()
        }
      })
      await view.start()
    },
    async stop () { await view?.stop() },
    isParked (lane) {
      if (lanes.has(lane)) return true
      for (const l of inFlight.values()) if (l === lane) return true
      return false
    },
    lanes: () => lanes.entries(),
    backlog () {
      const out = new Map<string, number>()
      for (const p of byId.values()) out.set(p.delivery.subscription_id, (out.get(p.delivery.subscription_id) ?? 0) + 1)
      return out
    },
    async park (delivery) {
      await (await this.queue(delivery)).acked
    },
    async queue (delivery) {
      const lane = laneOf(delivery.subscription_id, delivery.conversation)
      inFlight.set(delivery.webhook_id, lane)
      const forget = (err: unknown): never => { inFlight.delete(delivery.webhook_id); throw err }
      try {
        const { acked } = await queueParked(deps, partitions, delivery)
        const queued = { acked: acked.catch(forget) }
        // Handled here too: a caller that fails before awaiting it must not crash the process.
        queued.acked.catch(() => {})
        return queued
      } catch (err) {
        return forget(err)
      }
    },
    async resolve (pending) {
      const id = pending.delivery.webhook_id
      if (byId.get(id) === pending) drop(id)
      await deps.producer.send([{ topic: deps.topic, partition: pending.partition, key: id, value: null }])
    }
  }
}
