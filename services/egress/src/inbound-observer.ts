import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { createConsumer } from '@wabridge/kafka'
import type { NumberLane } from './number-lane.ts'

export interface InboundObserverOptions {
  topic: string
  groupId: string
  lanes: Map<string, { lane: NumberLane }>
  rateFor: (phoneNumberId: string) => number
  clock: () => number
  /** Window over which the inbound rate is measured, ms. Default 5000. */
  windowMs?: number
  /** The observer's consumer crashed beyond its restarts. */
  onCrash?: (err: Error) => void
}

/**
 * Meta counts inbound and outbound messages against one throughput. This watches the inbound
 * messages topic (all partitions, its own group, from now on) and lowers each owned number's
 * send rate by its recent inbound rate, rounded up, recomputed every second.
 */
export function createInboundObserver (kafka: Kafka, options: InboundObserverOptions) {
  const windowMs = options.windowMs ?? 5000
  const seen = new Map<string, number[]>()
  const consumer = createConsumer(kafka, { groupId: `${options.groupId}-inbound-${randomUUID()}`, topics: [options.topic], fromBeginning: false, partitionsConsumedConcurrently: 4, maxWaitTimeMs: 200, ...(options.onCrash && { onCrash: options.onCrash }) })
  let timer: NodeJS.Timeout | undefined

  function adjust (): void {
    const cutoff = options.clock() - windowMs
    for (const [number, entry] of options.lanes) {
      const times = (seen.get(number) ?? []).filter((t) => t > cutoff)
      if (times.length > 0) seen.set(number, times); else seen.delete(number)
      const inboundPerSecond = Math.ceil(times.length * 1000 / windowMs)
      entry.lane.setBaseRate(Math.max(1, options.rateFor(number) - inboundPerSecond))
    }
  }

  return {
    async start () {
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          const now = options.clock()
          for (const message of batch.messages) {
            const number = message.key?.toString('utf8').split(':')[0]
            if (number && options.lanes.has(number)) {
              const list = seen.get(number) ?? []
              list.push(now)
              seen.set(number, list)
            }
            resolveOffset(message.offset)
          }
        }
      })
      timer = setInterval(adjust, 1000)
    },
    async stop () {
      if (timer) clearInterval(timer)
      await consumer.stop()
    }
  }
}
