import { createRequire } from 'node:module'

/** The one kafkajs release whose request queue this corrects (the last, 2.2.4). */
const CORRECTED_KAFKAJS = '2.2.4'
/** kafkajs' own delay between checks of requests waiting in a queue. */
const WAITING_CHECK_MS = 10

interface RequestQueue {
  throttledUntil: number
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null
  pending: unknown[]
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

let corrected: boolean | undefined

/**
 * kafkajs 2.2.4 re-checks each connection's request queue with a timer of `throttledUntil - now`,
 * negative unless the broker throttles, and the check re-arms itself: once a connection has carried
 * one request it wakes the process about every millisecond while it stays open (about 2 % of a core
 * per idle connection), and Node 24 prints a TimeoutNegativeWarning. The gateway's own services
 * carry the same correction (@wabridge/kafka, which this published package cannot depend on):
 * a check is armed only while requests wait, for when the throttle ends (else kafkajs' 10 ms);
 * an answer, a timeout or the next request that has to wait checks the queue anyway.
 * Applied by createClient to the kafkajs it loads, once, and only for the release it was written
 * against; returns whether it is in place.
 */
export function correctKafkajsIdleTimers (): boolean {
  if (corrected !== undefined) return corrected
  const load = createRequire(import.meta.url)
  corrected = (load('kafkajs/package.json') as { version: string }).version === CORRECTED_KAFKAJS
  if (!corrected) return false
  const { prototype } = load('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue }
  prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return
    const throttledFor = this.throttledUntil - Date.now()
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null
      this.checkPendingRequests()
    }, throttledFor > 0 ? throttledFor : WAITING_CHECK_MS)
  }
  return true
}
