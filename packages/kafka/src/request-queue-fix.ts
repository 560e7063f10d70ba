import { kafkajsPatch } from './kafkajs-patch.ts'

interface RequestQueue {
  throttledUntil: number
  throttleCheckTimeoutId: NodeJS.Timeout | null
  pending: unknown[]
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

/** kafkajs' own interval for re-checking queued requests (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10

/**
 * kafkajs 2.2.4 schedules its throttle check with `throttledUntil - Date.now()`, a negative delay
 * whenever it is not throttled and nothing is queued; Node 24 warns on every such timer
 * (TimeoutNegativeWarning). Worse, the check reschedules itself, so once a connection has sent
 * one request it wakes the process every millisecond for as long as it is open, with nothing to
 * do: about 20 ms of CPU per second per idle connection (the ingress with only its admin
 * connected), and timer work between requests under load. This replaces that one method: a check
 * is scheduled only while requests wait (when the throttle ends, else kafkajs' 10 ms); with none
 * waiting nothing is scheduled, since push() schedules one for the next request that has to wait
 * and every answer or timeout checks the queue anyway. Only for the kafkajs version it was
 * written against; returns whether it is installed. Idempotent.
 */
export const installRequestQueueFix = kafkajsPatch((load) => {
  const RequestQueue = load('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue }
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return
    const untilUnthrottled = this.throttledUntil - Date.now()
    const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null
      this.checkPendingRequests()
    }, delay)
  }
})
