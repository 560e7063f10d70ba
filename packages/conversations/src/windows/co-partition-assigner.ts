import { AssignerProtocol, type PartitionAssigner } from 'kafkajs'

/** The protocol name members of a keeper group announce (all members must use the same assigner). */
export const CO_PARTITION_ASSIGNER = 'WabridgeCoPartition'

/**
 * Assigns partition p of every topic to one member: members sorted by id, partition p goes to
 * member p mod n, in every topic that has a partition p. Topics keyed alike (wa.inbound.messages and
 * wa.inbound.statuses, both `{phone_number_id}:{wa_id}`) thus put one pair's events in one member.
 */
export function coPartitionAssignment (memberIds: readonly string[], partitionsByTopic: ReadonlyMap<string, readonly number[]>): Map<string, Record<string, number[]>> {
  const members = [...memberIds].sort()
  const assignment = new Map<string, Record<string, number[]>>(members.map((m) => [m, {}]))
  if (members.length === 0) return assignment
  for (const [topic, partitions] of partitionsByTopic) {
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const owner = assignment.get(members[p % members.length]!)!
      ;(owner[topic] ??= []).push(p)
    }
  }
  return assignment
}

/** The kafkajs assigner of coPartitionAssignment (pass it as `partitionAssigners: [coPartitionAssigner]`). */
export const coPartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITION_ASSIGNER,
  version: 1,
  async assign ({ members, topics }) {
    const partitionsByTopic = new Map(topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]))
    const assignment = coPartitionAssignment(members.map((m) => m.memberId), partitionsByTopic)
    return [...assignment].map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: topicPartitions, userData: Buffer.alloc(0) })
    }))
  },
  protocol ({ topics }) {
    return { name: CO_PARTITION_ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }
  }
})
