import type { Message, Producer, RecordMetadata, TopicMessages } from 'kafkajs'

/** A record with its partition chosen: what sendAcknowledged produces. */
export interface PartitionedMessage {
  topic: string
  partition: number
  message: Message
}

/**
 * How many sendBatch calls one batch gets for partitions kafkajs left out. One is enough unless
 * leaders move again during the resend.
 */
const MAX_ROUNDS = 5

/**
 * sendBatch, then again for the partitions kafkajs resolved without writing, until every
 * partition of `items` is acknowledged. Throws when kafkajs throws, or when partitions are still
 * missing after a few rounds.
 *
 * kafkajs 2.2.4 (producer/sendMessages.js) keeps each broker's response across the retries of one
 * sendBatch. When a request fails because a partition's leader moved (the leader was killed or the
 * partition reassigned) to a broker that already answered for other partitions of the same batch,
 * the retry finds that broker answered and sends nothing to it: sendBatch resolves with no metadata
 * for the moved partition, whose records were never written.
 *
 * The resend uses the same kafkajs producer and exactly the left-out records in the same order:
 * kafkajs rolled their sequence numbers back when the request failed and sent nothing for those
 * partitions since, so the batch gets the same sequence numbers and, if the old leader did append
 * it before it failed, the broker recognises the duplicate instead of writing it twice.
 */
export async function sendAcknowledged (producer: Producer, items: PartitionedMessage[]): Promise<RecordMetadata[]> {
  const acknowledged: RecordMetadata[] = []
  let missing = items
  for (let round = 1; ; round++) {
    const meta = await producer.sendBatch({ topicMessages: toTopicMessages(missing), acks: -1 })
    acknowledged.push(...meta)
    const written = new Set(meta.map((m) => `${m.partition}\u0000${m.topicName}`))
    missing = missing.filter((q) => !written.has(`${q.partition}\u0000${q.topic}`))
    if (missing.length === 0) return acknowledged
    if (round === MAX_ROUNDS) {
      const partitions = [...new Set(missing.map((q) => `${q.topic}/${q.partition}`))].join(', ')
      throw new Error(`kafkajs resolved ${round} produce requests without acknowledging ${partitions}`)
    }
  }
}

/** Groups records by topic for sendBatch, keeping their order within each partition. */
function toTopicMessages (items: PartitionedMessage[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>()
  for (const q of items) {
    let tm = byTopic.get(q.topic)
    if (!tm) byTopic.set(q.topic, tm = { topic: q.topic, messages: [] })
    tm.messages.push(q.message)
  }
  return [...byTopic.values()]
}
