import type { Producer } from 'kafkajs'

/**
 * Connects a transactional producer and fences every earlier producer of its transactional id
 * before returning: Kafka aborts such a producer's open transaction (or lets its commit finish)
 * and refuses all it sends from then on.
 *
 * `producer.connect()` alone does not: kafkajs 2.2.4 asks for the transactional producer id, the
 * request that fences, only at the producer's first `transaction()`. A new owner that reads the
 * state it takes over (a committed offset, a partition's records) between connect and its first
 * transaction would read while the old owner still commits, and act on a stale state. Beginning
 * a transaction here makes kafkajs ask for the id; the transaction has no records and is ended on
 * this side only (kafkajs sends no EndTxn for an empty transaction).
 */
export async function connectFenced (producer: Producer): Promise<void> {
  await producer.connect()
  const txn = await producer.transaction()
  await txn.abort()
}
