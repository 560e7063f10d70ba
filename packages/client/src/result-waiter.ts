import { randomUUID } from 'node:crypto'
import type { Consumer, Kafka } from 'kafkajs'
import { ClientError } from './errors.ts'
import type { OutboundResult } from './records.ts'

/** Options of send()'s `wait`. */
export interface WaitOptions {
  /**
   * How long to wait for the result once Kafka has the request (for a request with a future
   * send_at: from its send_at), milliseconds. Default 60_000.
   */
  timeoutMs?: number
  /**
   * When the first result is `unknown`, keep waiting (within timeoutMs) for the settlement record
   * that decides it, and resolve with that; at the timeout resolve with the `unknown` result.
   * Default true. False resolves with whatever result comes first.
   */
  settle?: boolean
}

interface Pending {
  settle: boolean
  unknown: OutboundResult | undefined
  resolve: (result: OutboundResult) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout | undefined
}

/** Follows the results topic from the moment it starts and hands each result to whoever waits for its request id. */
export interface ResultWaiter {
  /** Starts reading the results topic (once) and resolves when it reads from the topic's current end. */
  start (): Promise<void>
  /**
   * Waits for `requestId`'s result: register before producing the request, and arm() the timeout
   * once it is produced (the time to produce does not count; `delayMs` more, for a scheduled request).
   */
  wait (requestId: string, options: WaitOptions): { result: Promise<OutboundResult>, arm: (delayMs?: number) => void, cancel: () => void }
  close (): Promise<void>
}

/** The longest delay setTimeout takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1

/** setTimeout for any delay (a send_at may be a year ahead): a chain of timers of at most MAX_TIMER_MS. */
function armTimer (waiter: Pending, ms: number, fire: () => void): void {
  waiter.timer = setTimeout(() => { if (ms > MAX_TIMER_MS) armTimer(waiter, ms - MAX_TIMER_MS, fire); else fire() }, Math.min(ms, MAX_TIMER_MS))
}

export function createResultWaiter (kafka: Kafka, topic: string, groupPrefix: string, decode: (buf: Buffer) => Promise<OutboundResult>): ResultWaiter {
  // Several sends of one request_id (a retry after CLIENT_SEND_FAILED, say) may wait at once.
  const pending = new Map<string, Set<Pending>>()
  let consumer: Consumer | undefined
  let started: Promise<void> | undefined
  let closed = false

  function finish (requestId: string, waiter: Pending, outcome: { result: OutboundResult } | { error: Error }): void {
    const waiters = pending.get(requestId)
    if (!waiters?.delete(waiter)) return
    if (waiters.size === 0) pending.delete(requestId)
    clearTimeout(waiter.timer)
    if ('result' in outcome) waiter.resolve(outcome.result)
    else waiter.reject(outcome.error)
  }

  function onResult (result: OutboundResult): void {
    for (const waiter of pending.get(result.request_id) ?? []) {
      // An unknown result may be followed by a settlement record that decides it (docs/topics.md#results).
      if (waiter.settle && result.status === 'unknown' && !result.settlement) waiter.unknown = result
      else finish(result.request_id, waiter, { result })
    }
  }

  async function startReading (): Promise<void> {
    const c = kafka.consumer({ groupId: `${groupPrefix}-wait-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 100 })
    consumer = c
    const admin = kafka.admin()
    await admin.connect()
    // The ends are taken before joining: a result written while the group forms is still read.
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())
    await c.connect()
    await c.subscribe({ topics: [topic], fromBeginning: false })
    const joined = new Promise<void>((resolve) => { c.on(c.events.GROUP_JOIN, () => resolve()) })
    await c.run({
      eachMessage: async ({ message }) => {
        if (!message.value || pending.size === 0) return
        let result: OutboundResult
        try {
          result = await decode(message.value)
        } catch {
          return // not a result this client can read; nobody waits for it
        }
        onResult(result)
      }
    })
    await joined
    for (const { partition, offset } of ends) c.seek({ topic, partition, offset })
  }

  return {
    start () {
      if (closed) return Promise.reject(new ClientError('CLIENT_CLOSED', 'the client is closed'))
      if (!started) {
        started = startReading().catch(async (err: unknown) => {
          started = undefined
          await consumer?.disconnect().catch(() => {})
          throw new ClientError('CLIENT_SEND_FAILED', `cannot read ${topic} to wait for results (nothing was sent): ${(err as Error).message}`, { cause: err })
        })
      }
      return started
    },
    wait (requestId, options) {
      const timeoutMs = options.timeoutMs ?? 60_000
      let waiter!: Pending
      const result = new Promise<OutboundResult>((resolve, reject) => {
        waiter = { settle: options.settle ?? true, unknown: undefined, resolve, reject, timer: undefined }
        let waiters = pending.get(requestId)
        if (!waiters) pending.set(requestId, waiters = new Set())
        waiters.add(waiter)
      })
      // Handled here too, so a wait that fails before the caller awaits it is no unhandled rejection.
      result.catch(() => {})
      return {
        result,
        arm (delayMs = 0) {
          if (waiter.timer !== undefined || !pending.get(requestId)?.has(waiter)) return
          const why = delayMs > 0 ? 'is the scheduler running, and egress?' : 'is egress running?'
          armTimer(waiter, timeoutMs + delayMs, () => {
            finish(requestId, waiter, waiter.unknown
              ? { result: waiter.unknown }
              : { error: new ClientError('CLIENT_WAIT_TIMEOUT', `no result for request ${requestId} within ${timeoutMs} ms${delayMs > 0 ? ' of its send_at' : ''} (the request was produced: ${why})`, { requestId }) })
          })
        },
        cancel: () => finish(requestId, waiter, { error: new ClientError('CLIENT_CLOSED', 'the wait was cancelled', { requestId }) })
      }
    },
    async close () {
      closed = true
      for (const [requestId, waiters] of [...pending]) {
        for (const waiter of [...waiters]) {
          finish(requestId, waiter, { error: new ClientError('CLIENT_CLOSED', `the client was closed while waiting for the result of ${requestId}`, { requestId }) })
        }
      }
      await started?.catch(() => {})
      await consumer?.disconnect()
    }
  }
}
