import { Partitioners, type PartitionMetadata } from 'kafkajs'

const metadataCache = new Map<number, PartitionMetadata[]>()

/**
 * The partition a keyed record lands in, with the Java-compatible murmur2 partitioner every
 * wabridge producer uses: tells which input partition owns a phone number's or a WABA's alerts.
 */
export function partitionFor (key: string, partitions: number): number {
  let metadata = metadataCache.get(partitions)
  if (!metadata) {
    metadata = Array.from({ length: partitions }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0] }))
    metadataCache.set(partitions, metadata)
  }
  return Partitioners.DefaultPartitioner()({ topic: '', partitionMetadata: metadata, message: { key, value: null } })
}
