import { kafkajsPatch } from './kafkajs-patch.ts'

/** First wait before asking again, ms; it doubles up to CONCURRENT_TRANSACTIONS_MAX_BACKOFF_MS. */
export const CONCURRENT_TRANSACTIONS_FIRST_BACKOFF_MS = 2
/** Longest wait between two asks, ms (the Java client waits 20 ms before retrying AddPartitionsToTxn). */
export const CONCURRENT_TRANSACTIONS_MAX_BACKOFF_MS = 20
/** How long the coordinator may go on answering CONCURRENT_TRANSACTIONS before kafkajs' own retry takes over, ms. */
export const CONCURRENT_TRANSACTIONS_BUDGET_MS = 2000

type BrokerMethod = (this: object, request: object) => Promise<unknown>
interface BrokerPrototype {
  addPartitionsToTxn: BrokerMethod
  addOffsetsToTxn: BrokerMethod
}

function isConcurrentTransactions (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'CONCURRENT_TRANSACTIONS'
}

/**
 * A transaction that begins right after the previous one of the same transactional id committed
 * gets CONCURRENT_TRANSACTIONS from the coordinator for its first AddPartitionsToTxn (or
 * AddOffsetsToTxn) until the coordinator has written the previous transaction's markers, a few ms.
 * kafkajs 2.2.4 treats that answer as any retriable error of a send: it refreshes the producer's
 * metadata and sends the whole batch again after its retry backoff (10 ms and more). Egress's
 * partition sessions commit back to back, so that happened in most of their transactions: a
 * Metadata request per transaction, about 1.2 ms of CPU per transaction in all and 10–40 ms of
 * latency (measured). This asks the coordinator again itself, after 2 ms doubling to 20 ms (what
 * the Java client does), for up to 2 s; only then is the error passed on to kafkajs' own handling.
 * Asking again is what kafkajs would do anyway, without the metadata refresh and the resend.
 * Only for the kafkajs version it was written against; returns whether it is installed. Idempotent.
 */
export const installConcurrentTransactionsRetry = kafkajsPatch((load) => {
  const Broker = load('kafkajs/src/broker/index.js') as { prototype: BrokerPrototype }
  for (const name of ['addPartitionsToTxn', 'addOffsetsToTxn'] as const) {
    const original = Broker.prototype[name]
    Broker.prototype[name] = async function (request) {
      const giveUpAt = Date.now() + CONCURRENT_TRANSACTIONS_BUDGET_MS
      for (let backoff = CONCURRENT_TRANSACTIONS_FIRST_BACKOFF_MS; ; backoff = Math.min(backoff * 2, CONCURRENT_TRANSACTIONS_MAX_BACKOFF_MS)) {
        try {
          return await original.call(this, request)
        } catch (err) {
          if (!isConcurrentTransactions(err) || Date.now() + backoff > giveUpAt) throw err
          await new Promise((resolve) => setTimeout(resolve, backoff))
        }
      }
    }
  }
})
