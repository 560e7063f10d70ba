import { Partitioners } from 'kafkajs'

const partitioner = Partitioners.DefaultPartitioner()

/** The partition a key goes to among `count` (the Java-compatible murmur2 partitioner every wabridge producer uses). */
export function partitionOf (key: string, count: number): number {
  const partitionMetadata = Array.from({ length: count }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }))
  return partitioner({ topic: '', partitionMetadata, message: { key, value: null } })
}
