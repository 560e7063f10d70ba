import { randomUUID } from 'node:crypto'
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs'

export interface TopicViewOptions {
  topic: string
  /** Group id prefix; each view gets a group of its own (it reads every partition, commits nothing). */
  groupPrefix: string
  /** Called for each record in partition order; a null value is a tombstone. */
  onRecord: (message: KafkaMessage, partition: number) => Promise<void> | void
  /** Called when the consumer crashed for good. */
  onCrash: (err: Error) => void
}

export interface TopicView {
  /** Resolves once every record that existed when it was called has been handed to onRecord. */
  start (): Promise<void>
  stop (): Promise<void>
}

/**
 * Reads a (compacted) topic from its start and keeps following it, in every instance: the
 * service's state lives in Kafka only. start() waits until the view caught up with the end the
 * topic had at start, so that nothing is decided on a partial view.
 */
export function createTopicView (kafka: Kafka, options: TopicViewOptions): TopicView {
  let consumer: Consumer | undefined
  let isStopped = false
  return {
    async start () {
      const admin = kafka.admin()
      await admin.connect()
      const ends = await admin.fetchTopicOffsets(options.topic).finally(() => admin.disconnect())
      const pending = new Map(ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]))
      const c = kafka.consumer({ groupId: `${options.groupPrefix}.${randomUUID()}`, maxWaitTimeInMs: 100, retry: { retries: 10 } })
      consumer = c
      let caughtUp: () => void = () => {}
      const ready = new Promise<void>((resolve) => { caughtUp = resolve })
      const reached = (partition: number, next: bigint) => {
        const end = pending.get(partition)
        if (end !== undefined && next >= end) pending.delete(partition)
        if (pending.size === 0) caughtUp()
      }
      if (pending.size === 0) caughtUp()
      c.on(c.events.CRASH, (event) => { if (!event.payload.restart && !isStopped) options.onCrash(event.payload.error) })
      await c.connect()
      await c.subscribe({ topics: [options.topic], fromBeginning: true })
      await c.run({
        autoCommit: false,
        eachBatch: async ({ batch, resolveOffset }) => {
          for (const message of batch.messages) {
            await options.onRecord(message, batch.partition)
            resolveOffset(message.offset)
          }
          // A compacted partition can end in removed records: the batch's end says how far it got.
          reached(batch.partition, BigInt(batch.lastOffset()) + 1n)
        }
      })
      await ready
    },
    async stop () {
      isStopped = true
      await consumer?.disconnect()
    }
  }
}
