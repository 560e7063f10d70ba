import { MAX_SEND_AHEAD_MS } from '@wabridge/schemas'
import { ApiError } from './errors.ts'

/**
 * A request whose send_at is later than this after a moment is scheduled at that moment: the API
 * produces it to the scheduled topic, and egress would forward it there (egress sends one due
 * within this margin now), ms.
 */
export const SCHEDULE_AFTER_MS = 1000

/** Whether a request with `sendAt` (epoch ms, null = none) is scheduled rather than due at `at`. */
export function isScheduledAt (sendAt: number | null | undefined, at: number): boolean {
  return sendAt !== null && sendAt !== undefined && sendAt > at + SCHEDULE_AFTER_MS
}

/** Refuses (400, naming the field) a send_at more than 365 days after `now`, as egress would fail it. */
export function assertSendAtInRange (sendAt: number | null, now: number): void {
  if (sendAt === null || sendAt <= now + MAX_SEND_AHEAD_MS) return
  const issue = { path: 'send_at', message: 'must be at most 365 days ahead' }
  throw new ApiError('API_INVALID_REQUEST', `invalid outbound request: ${issue.path}: ${issue.message}`, { details: { issues: [issue] } })
}
