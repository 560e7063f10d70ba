import { createRequire } from 'node:module'
import { KAFKAJS_VERSION } from './produce-encoder.ts'

const require = createRequire(import.meta.url)

interface RequestQueue {
  throttledUntil: number
  throttleCheckTimeoutId: NodeJS.Timeout | null
  pending: unknown[]
  checkPendingRequests(): void
  scheduleCheckPendingRequests(): void
}

/** kafkajs' own interval for re-checking queued requests (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10

let installed: boolean | undefined

/**
 * kafkajs 2.2.4 schedules its throttle check with `throttledUntil - Date.now()`, a negative delay
 * whenever it is not throttled and nothing is queued; Node 24 warns on every such timer
 * (TimeoutNegativeWarning). This replaces that one method with the same schedule, the negative
 * delay clamped to the 1 ms Node already used for it. Only for the kafkajs version it was written
 * against; returns whether it is installed. Idempotent.
 */
export function installRequestQueueFix (): boolean {
  if (installed !== undefined) return installed
  installed = false
  const pkg = require('kafkajs/package.json') as { version: string }
  if (pkg.version !== KAFKAJS_VERSION) return false
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueue }
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueue) {
    if (this.throttleCheckTimeoutId) return
    const untilUnthrottled = this.throttledUntil - Date.now()
    const delay = untilUnthrottled > 0
      ? untilUnthrottled
      : this.pending.length > 0 ? CHECK_PENDING_REQUESTS_INTERVAL_MS : 1
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null
      this.checkPendingRequests()
    }, delay)
  }
  installed = true
  return true
}
