import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { deployDir, ensureKafkaRuntime, resolveKafkaVersion } from './runtime.ts'

const run = promisify(execFile)

/** A producer a partition's leader knows, with what the transaction coordinator says of it. */
export interface PartitionProducer {
  producerId: number
  producerEpoch: number
  lastSequence: number
  lastTimestampAgoMs: number
  /** First offset of the producer's open transaction on this partition: it holds the last stable offset below it. null: none open. */
  openTransactionStartOffset: number | null
  /** The transactional id the coordinator maps to this producer id; null: none (an open transaction then hangs until aborted by hand). */
  transactionalId: string | null
  /** The coordinator's state of that transactional id (Ongoing, PrepareCommit, CompleteAbort…). */
  coordinatorState: string | null
  /** Only for producers with an open transaction and a transactional id: */
  coordinatorEpoch?: number
  transactionTimeoutMs?: number
  transactionStartedAgoMs?: number | null
  transactionPartitions?: string[]
}

export interface PartitionTransactions {
  topic: string
  partition: number
  producers: PartitionProducer[]
}

/**
 * What holds the last stable offset of `partitions` back: the producers each partition's leader knows
 * (DescribeProducers) joined with the transaction coordinators' listings (ListTransactions,
 * DescribeTransactions). kafkajs has none of these APIs, so this runs a small Java program
 * (deploy/kafka/OpenTransactions.java) on the broker's own jars, fetched like the broker's. For
 * diagnostics: a reader waiting on a partition whose committed records stopped advancing.
 */
export async function describeOpenTransactions (brokers: readonly string[], partitions: ReadonlyArray<{ topic: string, partition: number }>, options: {
  version?: string
  /** Most time each admin call may take, ms (default 20 s); the program as a whole gets three times that, plus its compilation. */
  callTimeoutMs?: number
} = {}): Promise<PartitionTransactions[]> {
  if (partitions.length === 0) return []
  const runtime = await ensureKafkaRuntime(options.version ?? await resolveKafkaVersion())
  const callTimeoutMs = options.callTimeoutMs ?? 20_000
  const args = [`-Dtimeout.ms=${callTimeoutMs}`, '-cp', runtime.classPath, join(deployDir, 'OpenTransactions.java'), brokers.join(','), ...partitions.map((p) => `${p.topic}:${p.partition}`)]
  let stdout: string
  try {
    ({ stdout } = await run('java', args, { timeout: 3 * callTimeoutMs + 30_000, maxBuffer: 8 * 1024 * 1024 }))
  } catch (err) {
    const out = err as { stdout?: string, stderr?: string }
    const lines = `${out.stderr ?? ''}`.split('\n').filter((l) => /Exception|Error/.test(l)).slice(0, 3).join(' | ')
    throw new Error(`could not describe the open transactions of ${partitions.map((p) => `${p.topic}:${p.partition}`).join(', ')}: ${lines || (err as Error).message}`, { cause: err })
  }
  return stdout.split('\n').filter((l) => l.startsWith('OPEN-TXN ')).map((l) => JSON.parse(l.slice('OPEN-TXN '.length)) as PartitionTransactions)
}

/** One line per producer with an open transaction: who holds each partition back, and since when. */
export function formatOpenTransactions (described: readonly PartitionTransactions[]): string {
  const lines: string[] = []
  for (const p of described) {
    const open = p.producers.filter((x) => x.openTransactionStartOffset !== null)
    if (open.length === 0) { lines.push(`${p.topic}:${p.partition}: no open transaction (${p.producers.length} producers known)`); continue }
    for (const x of open) {
      const who = x.transactionalId === null
        ? 'no transactional id at the coordinator (a hanging transaction)'
        : `transactional id ${x.transactionalId}, coordinator ${x.coordinatorState} at epoch ${x.coordinatorEpoch ?? '?'}` +
          (x.transactionStartedAgoMs != null ? `, started ${x.transactionStartedAgoMs} ms ago (timeout ${x.transactionTimeoutMs} ms)` : '') +
          (x.transactionPartitions ? `, partitions [${x.transactionPartitions.join(', ')}]` : '')
      lines.push(`${p.topic}:${p.partition}: producer ${x.producerId} epoch ${x.producerEpoch} holds an open transaction from offset ${x.openTransactionStartOffset} (last write ${x.lastTimestampAgoMs} ms ago); ${who}`)
    }
  }
  return lines.join('\n')
}
