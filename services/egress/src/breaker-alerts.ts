import type { Alert } from '@wabridge/schemas'
import type { BreakerChange } from './circuit-breakers.ts'

/** The alert rule of an open circuit breaker. */
export const BREAKER_ALERT_NAME = 'circuit_breaker_open'

const alertScope = (scope: string, target: string) => `${scope === 'number' ? 'phone_number' : scope}:${target}`

/**
 * The wa.alerts record of a breaker opening (firing, critical) or closing (resolved, same alert id
 * and fired_at); none when a probe only failed again. `value` is Meta's error code, `threshold` 0.
 */
export function breakerAlert (change: BreakerChange, instance: string, wabaOf: (phoneNumberId: string) => string | undefined): Alert | undefined {
  if (change.type === 'rearmed') return undefined
  const b = change.breaker
  const scope = alertScope(b.scope, b.target)
  const phone = b.scope === 'number' ? b.target : null
  const waba = b.scope === 'waba' ? b.target : wabaOf(b.trippedBy) ?? null
  const what = b.scope === 'number' ? `phone number ${b.target}` : b.scope === 'waba' ? `WABA ${b.target}` : `the numbers using access token ${b.target}`
  const base = {
    alert_id: `${BREAKER_ALERT_NAME}:${scope}:${b.since}`,
    name: BREAKER_ALERT_NAME,
    scope,
    phone_number_id: phone,
    waba_id: waba,
    severity: 'critical' as const,
    value: b.code ?? 0,
    threshold: 0,
    fired_at: b.since,
    labels: { code: String(b.code ?? ''), breaker_scope: b.scope, tripped_by: b.trippedBy, instance }
  }
  if (change.type === 'opened') {
    return { ...base, state: 'firing', at: b.since, message: `Sending stopped for ${what}: error ${b.code ?? ''} (${b.reason}). Requests stay queued; egress probes with one request and resumes when it passes, or on \`wabridge numbers resume ${b.scope === 'token' ? b.trippedBy : b.target}\`.` }
  }
  return {
    ...base,
    state: 'resolved',
    at: change.at,
    message: `Sending resumed for ${what} (${change.by === 'probe' ? 'a probe was accepted' : 'resumed by an operator'}).`,
    labels: { ...base.labels, resolved_by: change.by }
  }
}
