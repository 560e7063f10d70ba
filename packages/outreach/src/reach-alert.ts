import type { Alert } from '@wabridge/schemas'

/** The alert rule of a portfolio that reached share × its messaging limit. */
export const REACH_ALERT_NAME = 'messaging_limit_reached'

export interface ReachAlertInput {
  portfolio: string
  tier: string
  limit: number
  /** share × limit, rounded down: the guard admits no new recipient at or above it. */
  cap: number
  used: number
  share: number
  firedAt: number
  /** The number whose admission found the portfolio full, when known. */
  phoneNumberId: string | null
  /** When the next slot frees (firing) or freed (resolved). */
  at: number
}

/**
 * The wa.alerts record of a portfolio at its messaging limit (firing, warning) or with room again
 * (resolved, same alert id and fired_at). value = recipients counted in the last 24 h, threshold = cap.
 */
export function reachAlert (state: 'firing' | 'resolved', i: ReachAlertInput): Alert {
  const scope = `portfolio:${i.portfolio}`
  const message = state === 'firing'
    ? `Business portfolio ${i.portfolio} reached ${i.used} of ${i.cap} unique recipients in 24 h (${Math.round(i.share * 100)} % of ${i.tier}, limit ${i.limit}): ` +
      `campaigns hold new recipients until ${new Date(i.at).toISOString()}, when the oldest leaves the 24 h window.`
    : `Business portfolio ${i.portfolio} has room again (${i.used} of ${i.cap} unique recipients in 24 h): campaigns resume.`
  return {
    alert_id: `${REACH_ALERT_NAME}:${scope}:${i.firedAt}`,
    name: REACH_ALERT_NAME,
    scope,
    phone_number_id: i.phoneNumberId,
    waba_id: null,
    state,
    severity: 'warning',
    value: i.used,
    threshold: i.cap,
    message,
    fired_at: i.firedAt,
    at: state === 'firing' ? i.firedAt : i.at,
    labels: { portfolio: i.portfolio, tier: i.tier, limit: String(i.limit), share: String(i.share) }
  }
}
