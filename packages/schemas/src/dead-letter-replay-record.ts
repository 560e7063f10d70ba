// The value of wa.outbound.dlq.replays, matching avro/dead-letter-replay.avsc field for field.

/** A dead letter replayed as a new request (topic wa.outbound.dlq.replays, key `{source_topic}/{source_partition}/{source_offset}`). */
export interface DeadLetterReplay {
  source_topic: string
  source_partition: number
  source_offset: string
  original_request_id: string | null
  /** The new request's id. */
  request_id: string
  /** 1, then one more for each replay asked again. */
  replays: number
  replayed_at: number
  replayed_by: string | null
}
