import { Partitioners, type Kafka, type PartitionMetadata } from 'kafkajs'

/**
 * `count` phone number ids whose records land in partitions 0…count−1 of a topic with
 * `partitions` partitions (Java-compatible murmur2, as every wabridge producer partitions):
 * round-robin assignment then spreads the numbers evenly over the egress instances.
 */
export function phoneNumberIdsForPartitions (count: number, partitions: number): string[] {
  if (count > partitions) throw new Error(`${count} numbers need at least as many partitions (${partitions})`)
  const partitioner = Partitioners.DefaultPartitioner()
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) =>
    ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }) as PartitionMetadata)
  const ids = new Array<string | undefined>(count).fill(undefined)
  let found = 0
  for (let n = 106_540_352_200_000; found < count; n++) {
    const key = String(n)
    const partition = partitioner({ topic: 't', partitionMetadata, message: { key, value: null } })
    if (partition < count && ids[partition] === undefined) { ids[partition] = key; found++ }
    if (n > 106_540_352_300_000) throw new Error('no phone number ids found for every partition')
  }
  return ids as string[]
}

export interface RequestPlan {
  /** Prefix of every request id, unique per run. */
  runId: string
  phoneNumberIds: string[]
  perNumber: number
  /** Requests produced per second per number (below the send rate, so sending follows production). */
  ratePerNumber: number
}

/** The request id of the i-th request of a number; it is also its biz_opaque_callback_data. */
export const requestIdOf = (plan: RequestPlan, phoneNumberId: string, i: number) => `${plan.runId}-${phoneNumberId}-${i}`

export function allRequestIds (plan: RequestPlan): string[] {
  return plan.phoneNumberIds.flatMap((p) => Array.from({ length: plan.perNumber }, (_, i) => requestIdOf(plan, p, i)))
}

export interface RequestProducer {
  /** Requests acknowledged by Kafka so far. */
  produced (): number
  /** Resolves when every request is acknowledged; rejects when producing failed for good. */
  readonly done: Promise<void>
  stop (): Promise<void>
}

/**
 * Produces the plan's JSON requests to `topic` at a steady pace (key = phone number id), so that
 * sends are in flight the whole time the faults happen. A pause of the broker holds production;
 * the backlog follows once it answers again. Idempotent with retries long enough for a broker
 * restart: a record is never written twice, and never lost.
 */
export function startRequestProducer (kafka: Kafka, topic: string, plan: RequestPlan): RequestProducer {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: 120, initialRetryTime: 200, maxRetryTime: 2000 }
  })
  let produced = 0
  const state = { isStopping: false }
  const sent = new Map(plan.phoneNumberIds.map((p) => [p, 0]))

  function message (phoneNumberId: string, i: number) {
    const requestId = requestIdOf(plan, phoneNumberId, i)
    const value = {
      request_id: requestId,
      phone_number_id: phoneNumberId,
      to: `+1555${String(i).padStart(7, '0')}`,
      message: { type: 'text', text: { body: `fault run ${requestId}` }, biz_opaque_callback_data: requestId }
    }
    return { key: phoneNumberId, value: JSON.stringify(value), headers: { 'content-type': 'application/json', 'event-id': requestId } }
  }

  async function run (): Promise<void> {
    await producer.connect()
    const startedAt = Date.now()
    try {
      while (!state.isStopping && produced < plan.perNumber * plan.phoneNumberIds.length) {
        const due = Math.min(plan.perNumber, Math.floor((Date.now() - startedAt) / 1000 * plan.ratePerNumber) + 1)
        const messages = plan.phoneNumberIds.flatMap((p) => {
          const from = sent.get(p)!
          sent.set(p, due)
          return Array.from({ length: Math.max(0, due - from) }, (_, k) => message(p, from + k))
        })
        if (messages.length > 0) {
          await producer.send({ topic, messages, acks: -1 })
          produced += messages.length
        }
        // The pace's tick: up to 100 ms of requests go in one produce request.
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally {
      await producer.disconnect()
    }
  }

  const done = run()
  done.catch(() => {})
  return {
    produced: () => produced,
    done,
    async stop () {
      state.isStopping = true
      await done.catch(() => {})
    }
  }
}
