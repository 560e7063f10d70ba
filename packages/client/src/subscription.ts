import kafkajs, { type IHeaders, type Kafka } from 'kafkajs'
import pRetry from 'p-retry'
import { ClientError } from './errors.ts'
import { createSeenIds } from './seen-ids.ts'

/** Where a consumed record came from. */
export interface RecordInfo {
  topic: string
  partition: number
  offset: string
  /** The record key as text. */
  key: string | null
  /** The record's Kafka timestamp, epoch milliseconds as a string (as kafkajs gives it). */
  timestamp: string
  /** The `event-id` header: the deterministic id of the event, the same on a repeat. */
  eventId: string | undefined
  /** Every header as text. */
  headers: Record<string, string>
}

/** Called once per record (per event id within the dedup window); the offset is committed after it resolves. */
export type Handler<T> = (value: T, record: RecordInfo) => void | Promise<void>

/** Options of onMessage / onStatus / onResult. */
export interface SubscribeOptions {
  /** Kafka consumer group. Default: `<clientId>-messages`, `-statuses` or `-results`. Instances with the same group share the partitions. */
  groupId?: string
  /** Where a group without committed offsets starts: the topic's beginning (true) or its end (false, default). */
  fromBeginning?: boolean
  /** How many recent event ids are remembered to drop repeats; 0 turns dedup off. Default 10_000. */
  dedupWindow?: number
  /** Backoff between attempts of a handler that throws (doubling from min to max). Default 200 ms to 10 s. */
  retry?: { minTimeoutMs?: number, maxTimeoutMs?: number }
  /** Told of every failed attempt (a throwing handler or an undecodable record) before it is retried. */
  onError?: (error: unknown, record: RecordInfo, attempt: number) => void
  /** Partitions handled at the same time (records of one partition are always handled in order). Default 1. */
  partitionsConsumedConcurrently?: number
}

/** A running consumer. */
export interface Subscription {
  readonly groupId: string
  readonly topic: string
  /** Stops fetching, lets a running handler finish, commits what was handled and leaves the group. */
  close (): Promise<void>
}

export interface SubscribeParams<T> {
  kafka: Kafka
  topic: string
  groupId: string
  decode: (value: Buffer) => Promise<T>
  handler: Handler<T>
  options: SubscribeOptions
  /** The dedup key of a record; undefined when it has none (it is never dropped). */
  dedupKey: (record: RecordInfo) => string | undefined
}

function headerText (headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value
    if (first !== undefined) out[name] = Buffer.isBuffer(first) ? first.toString('utf8') : String(first)
  }
  return out
}

/** Wraps whatever the handler threw, so that every failure is retried (p-retry gives up on a TypeError). */
class AttemptFailed extends Error {
  readonly failure: unknown
  constructor (failure: unknown) {
    super('handler failed', { cause: failure })
    this.failure = failure
  }
}

/**
 * A consumer that decodes each record, drops a repeat of an event id it has handled, and lets
 * kafkajs commit a record's offset only once the handler resolved for it (at-least-once). A
 * handler that throws is called again with backoff; the partition waits meanwhile, so nothing
 * after the failing record is handled or committed. On close the record is left uncommitted and
 * the group's next consumer gets it again.
 */
export async function subscribe<T> (params: SubscribeParams<T>): Promise<Subscription> {
  const { kafka, topic, groupId, options } = params
  const window = options.dedupWindow ?? 10_000
  const seen = createSeenIds(Math.max(1, window))
  const closing = new AbortController()
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 250 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning ?? false })
    await consumer.run({
      autoCommit: true,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachMessage: async ({ partition, message, heartbeat }) => {
        const headers = headerText(message.headers)
        const record: RecordInfo = {
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8') ?? null,
          timestamp: message.timestamp,
          eventId: headers['event-id'],
          headers
        }
        if (closing.signal.aborted) throw new kafkajs.KafkaJSError('subscription closed', { retriable: true })
        const key = window > 0 ? params.dedupKey(record) : undefined
        if (key !== undefined && seen.has(key)) return
        const attempts = pRetry(async () => {
          try {
            if (!message.value) throw new ClientError('CLIENT_DECODE_FAILED', `record ${topic}/${partition}@${message.offset} has no value`)
            await params.handler(await params.decode(message.value), record)
          } catch (err) {
            throw new AttemptFailed(err)
          }
        }, {
          retries: Infinity,
          minTimeout: options.retry?.minTimeoutMs ?? 200,
          maxTimeout: options.retry?.maxTimeoutMs ?? 10_000,
          signal: closing.signal,
          onFailedAttempt: async ({ error, attemptNumber }) => {
            options.onError?.(error instanceof AttemptFailed ? error.failure : error, record, attemptNumber)
            // Keeps the group membership while the record is retried (a rebalance throws here and the record comes again).
            await heartbeat()
          }
        })
        try {
          await attempts
        } catch (err) {
          // Closed while retrying: the record stays uncommitted. A retriable KafkaJSError, which kafkajs neither logs
          // as a failure nor turns into a crash: it stops quietly once disconnect() has stopped the runner.
          if (closing.signal.aborted) throw new kafkajs.KafkaJSError('subscription closed before the record was handled', { retriable: true })
          throw err
        }
        if (key !== undefined) seen.add(key)
      }
    })
  } catch (err) {
    await consumer.disconnect()
    throw err
  }
  let closed: Promise<void> | undefined
  return {
    groupId,
    topic,
    close () {
      closed ??= (async () => {
        closing.abort(new ClientError('CLIENT_CLOSED', 'the subscription was closed'))
        await consumer.disconnect()
      })()
      return closed
    }
  }
}
