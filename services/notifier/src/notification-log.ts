import type { Codec, NotificationLogEntry } from '@wabridge/schemas'
import type { WabridgeProducer } from '@wabridge/kafka'

export interface NotificationLog {
  /** Applies a record read from the topic at `offset` (value null = tombstone). */
  apply(key: string, value: NotificationLogEntry | null, offset: bigint): void
  get(id: string): NotificationLogEntry | undefined
  /** Writes the entry of a group (null = a tombstone: nothing left to tell) and waits for Kafka's acknowledgement. */
  write(id: string, entry: NotificationLogEntry | null): Promise<void>
}

/**
 * What was last sent per group and receiver (wa.notifier.log, compacted, key `{receiver}|{group_key}`),
 * read whole by every instance so a partition's new owner knows what its old owner sent.
 */
export function createNotificationLog (options: { topic: string }, deps: { producer: WabridgeProducer, codec: Codec }): NotificationLog {
  const entries = new Map<string, NotificationLogEntry>()
  // Offset of this instance's own latest write per key: the view reads older records of that key
  // after the write was applied here, and must not put them back.
  const written = new Map<string, bigint>()
  return {
    apply (key, value, offset) {
      if ((written.get(key) ?? -1n) > offset) return
      if (value === null) entries.delete(key)
      else entries.set(key, value)
    },
    get: (id) => entries.get(id),
    async write (id, entry) {
      const value = entry === null ? null : await deps.codec.serialize(options.topic, 'NotificationLogEntry', entry)
      const [meta] = await deps.producer.send([{ topic: options.topic, key: id, value }])
      const at = meta?.baseOffset ?? meta?.offset
      if (at !== undefined) written.set(id, BigInt(at))
      if (entry === null) entries.delete(id)
      else entries.set(id, entry)
    }
  }
}
