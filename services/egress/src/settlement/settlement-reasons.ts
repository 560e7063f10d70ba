import type { OutboundResult } from '@wabridge/schemas'
import type { StatusEvidence } from './status-evidence.ts'

const IN_DOUBT = 'in doubt after attempt '

/** A duration for an operator: whole hours from one hour, whole minutes from one minute, else seconds. */
export function formatDuration (ms: number): string {
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)} h`
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)} min`
  return `${Math.floor(ms / 1000)} s`
}

/** Meta's timestamps are whole seconds: print them without the '.000'. */
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

/**
 * Why a send is in doubt, e.g. "in doubt after attempt 2 (timeout after sending)". `attempt` is the
 * 1-based attempt whose outcome is unknown; `cause` a short phrase ("HTTP 504 after sending", "crash
 * between the started marker and the result").
 */
export function inDoubtReason (attempt: number, cause: string): string {
  return `${IN_DOUBT}${attempt} (${cause})`
}

/** The reason of a published unknown result: what happened, that it was not sent again, and what settles it. */
export function unknownReason (attempt: number, cause: string, settlementWindowMs: number): string {
  return `${inDoubtReason(attempt, cause)}; it was not sent again; a status webhook within ${formatDuration(settlementWindowMs)} will settle it`
}

/** The in-doubt phrase of a result: the start of a reason built by inDoubtReason, or one made from its attempts and error. */
export function inDoubtPhrase (result: OutboundResult): string {
  const reason = result.reason ?? ''
  if (reason.startsWith(IN_DOUBT)) return reason.split('; ')[0]!
  return `${IN_DOUBT}${result.attempts}${result.error ? ` (${result.error.message})` : ''}`
}

/** What a deciding status proved, appended to the in-doubt phrase. */
export function evidenceReason (result: OutboundResult, e: StatusEvidence): string {
  const seen = `status '${e.status}' at ${iso(e.at)}`
  if (e.status !== 'failed') return `${inDoubtPhrase(result)}; ${seen} proves Meta accepted it`
  const error = e.error ? `${e.error.code === null ? '' : `error ${e.error.code}: `}${e.error.message}` : 'no error given'
  return `${inDoubtPhrase(result)}; ${seen} says it failed (${error}); it was not sent again`
}

/** Why an unknown stays unknown once its settlement window passed without a deciding status. */
export function noStatusReason (unknown: OutboundResult, now: number): string {
  const waited = formatDuration(Math.max(0, now - unknown.completed_at))
  return `${inDoubtPhrase(unknown)}; no status webhook within ${waited}; it may or may not have been sent; it was not sent again`
}
