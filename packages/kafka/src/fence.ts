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

/** The broker's answers that say another producer of our transactional id took over (or ours can no longer act for it). */
const FENCING_ERRORS: ReadonlyMap<string, number> = new Map([
  ['INVALID_PRODUCER_EPOCH', 47],
  ['INVALID_PRODUCER_ID_MAPPING', 49],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 53],
  ['PRODUCER_FENCED', 90]
])
const FENCING_CODES = new Set(FENCING_ERRORS.values())

/**
 * Whether a kafkajs error, or one it wraps (`cause`, `originalError`: kafkajs wraps the broker's
 * answer when its retries end), is a fencing answer: the producer must stop writing for the
 * transactional id, whose state now belongs to its next owner. By the answer's type or code only:
 * a message that mentions fencing is not an answer.
 */
export function isFencingError (err: unknown): boolean {
  const seen = new Set<unknown>()
  for (let e = err as { type?: unknown, code?: unknown, cause?: unknown, originalError?: unknown } | undefined; e !== null && typeof e === 'object' && !seen.has(e); e = (e.cause ?? e.originalError) as typeof e) {
    seen.add(e)
    if ((typeof e.type === 'string' && FENCING_ERRORS.has(e.type)) || (typeof e.code === 'number' && FENCING_CODES.has(e.code))) return true
    // kafkajs 2.2.4 knows no PRODUCER_FENCED: it reports the code as "Unknown error code 90".
    if (e.type === 'KAFKAJS_UNKNOWN_ERROR_CODE' && FENCING_CODES.has(Number(/^Unknown error code (\d+)$/.exec(String((e as { message?: unknown }).message))?.[1]))) return true
  }
  return false
}
