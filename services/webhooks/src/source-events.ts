import type { TopicNames } from '@wabridge/kafka'
import type { Codec } from '@wabridge/schemas'
import { fromInboundMessage, fromInboundStatus, fromOutboundResult, type SourceEvent } from './events.ts'

/** The source topics, in the order they are listed to the consumer. */
export function sourceTopics (topics: TopicNames): string[] {
  return [topics.inboundMessages, topics.inboundStatuses, topics.outboundResults]
}

/** Decodes a record of one of the source topics into its webhook event. */
export async function toSourceEvent (codec: Codec, topics: TopicNames, topic: string, value: Buffer): Promise<SourceEvent> {
  if (topic === topics.inboundMessages) return fromInboundMessage((await codec.deserialize(value, 'InboundMessage')).value)
  if (topic === topics.inboundStatuses) return fromInboundStatus((await codec.deserialize(value, 'InboundStatus')).value)
  if (topic === topics.outboundResults) return fromOutboundResult((await codec.deserialize(value, 'OutboundResult')).value)
  throw new Error(`not a source topic: ${topic}`)
}
