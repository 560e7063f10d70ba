import type { Alert, AlertSeverity } from '@wabridge/schemas'

/** One alert rule applied to one scope. */
export interface AlertRule {
  name: string
  scope: string
  severity: AlertSeverity
  /** A value at or above this fires (after `forMs` above it). */
  fireAt: number
  /** A firing alert resolves once the value drops below this; below `fireAt`, so it cannot flap. */
  resolveBelow: number
  /** How long the value must stay at or above `fireAt` before firing, ms (0 = at once). */
  forMs: number
  phoneNumberId?: string | null
  wabaId?: string | null
  labels?: Record<string, string>
  message: (value: number) => string
}

/** The persisted state of a rule for one scope; absent = ok. */
export interface AlertStatus {
  phase: 'pending' | 'firing'
  /** When the value first reached `fireAt` in this episode, epoch ms. */
  since: number
  /** Last time the value was at or above `fireAt`, epoch ms (webhook alerts expire from it). */
  seenAt: number
  /** The firing record, while firing. */
  alert: Alert | null
}

export interface AlertStep {
  next: AlertStatus | undefined
  /** A record to publish: the rule fired or resolved at this step. */
  emit?: Alert
}

/**
 * One step of an alert: ok → pending → firing → ok. It fires once when the value has stayed at
 * or above `fireAt` for `forMs`, stays firing however often the condition repeats, and resolves
 * once when the value falls below `resolveBelow`. Pure: the clock is an argument.
 */
export function stepAlert (prev: AlertStatus | undefined, rule: AlertRule, value: number, now: number): AlertStep {
  const above = value >= rule.fireAt
  if (prev === undefined || prev.phase === 'pending') {
    if (!above) return { next: undefined }
    const since = prev?.since ?? now
    if (now - since < rule.forMs) return { next: { phase: 'pending', since, seenAt: now, alert: null } }
    const alert = toAlert(rule, value, now, now, 'firing')
    return { next: { phase: 'firing', since, seenAt: now, alert }, emit: alert }
  }
  if (value < rule.resolveBelow) {
    return { next: undefined, emit: resolved(prev, now, value, rule.message(value)) }
  }
  return { next: above ? { ...prev, seenAt: now } : prev }
}

/** The resolved record of a firing alert. */
export function resolved (prev: AlertStatus, now: number, value: number, message: string): Alert | undefined {
  if (!prev.alert) return undefined
  return { ...prev.alert, state: 'resolved', value, at: now, message }
}

function toAlert (rule: AlertRule, value: number, firedAt: number, at: number, state: 'firing' | 'resolved'): Alert {
  return {
    alert_id: `${rule.name}:${rule.scope}:${firedAt}`,
    name: rule.name,
    scope: rule.scope,
    phone_number_id: rule.phoneNumberId ?? null,
    waba_id: rule.wabaId ?? null,
    state,
    severity: rule.severity,
    value,
    threshold: rule.fireAt,
    message: rule.message(value),
    fired_at: firedAt,
    at,
    labels: rule.labels ?? {}
  }
}
