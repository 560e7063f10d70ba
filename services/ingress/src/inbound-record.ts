import type { TopicKey } from '@wabridge/kafka'
import type { RecordValues } from '@wabridge/schemas'

/** The records the ingress writes, with the topic each goes to. */
interface Shape<T extends TopicKey, N extends keyof RecordValues> {
  topic: T
  schema: N
  /** Partition key (brief.md, "Topics"); null only for a raw body without a WABA id. */
  key: string | null
  /** Deterministic id; carried in the `event-id` header and used for dedup. */
  eventId: string
  value: RecordValues[N]
  /** Headers of this record besides the common ones (event-id, content-type, …), e.g. a status's wa-status. */
  headers?: Record<string, string>
}

export type InboundRecord =
  | Shape<'inboundMessages', 'InboundMessage'>
  | Shape<'inboundStatuses', 'InboundStatus'>
  | Shape<'inboundEvents', 'InboundEvent'>
  | Shape<'inboundRaw', 'RawWebhook'>
