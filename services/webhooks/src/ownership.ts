import type { Consumer, Kafka } from 'kafkajs'

export interface OwnershipOptions {
  groupId: string
  topic: string
  onChange: () => void
  onCrash: (err: Error) => void
}

/** Which partitions of a topic this instance owns in a consumer group (it never reads them). */
export interface Ownership {
  start (): Promise<void>
  stop (): Promise<void>
  owns (partition: number): boolean
}

/**
 * Joins `groupId` on `topic` only to be given partitions: the group shares the retry lanes among
 * the instances, each retried by one. The partitions are paused (the view reads the records). During
 * a rebalance this instance owns nothing, so it starts no retry a new owner might start too.
 */
export function createOwnership (kafka: Kafka, options: OwnershipOptions): Ownership {
  let owned = new Set<number>()
  let consumer: Consumer | undefined
  let isStopped = false
  return {
    owns: (partition) => owned.has(partition),
    async start () {
      const c = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 100, retry: { retries: 10 } })
      consumer = c
      c.on(c.events.GROUP_JOIN, (event) => {
        owned = new Set(event.payload.memberAssignment[options.topic] ?? [])
        c.pause([{ topic: options.topic }])
        options.onChange()
      })
      c.on(c.events.REBALANCING, () => { owned = new Set() })
      c.on(c.events.CRASH, (event) => { if (!event.payload.restart && !isStopped) options.onCrash(event.payload.error) })
      await c.connect()
      await c.subscribe({ topics: [options.topic], fromBeginning: false })
      await c.run({ autoCommit: false, eachBatch: async () => {} })
      c.pause([{ topic: options.topic }])
    },
    async stop () {
      isStopped = true
      owned = new Set()
      await consumer?.disconnect()
    }
  }
}
