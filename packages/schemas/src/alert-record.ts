// The value of wa.alerts, matching avro/alert.avsc field for field (a test checks it).

/** Symbols of the AlertState enum. */
export const ALERT_STATES = ['firing', 'resolved'] as const
export type AlertState = typeof ALERT_STATES[number]

/** Symbols of the AlertSeverity enum. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const
export type AlertSeverity = typeof ALERT_SEVERITIES[number]

/** A traffic-limit or health alert changing state (topic wa.alerts). Times are epoch milliseconds. */
export interface Alert {
  /** Deterministic: name, scope and fired_at. */
  alert_id: string
  name: string
  scope: string
  phone_number_id: string | null
  waba_id: string | null
  state: AlertState
  severity: AlertSeverity
  value: number
  threshold: number
  message: string
  fired_at: number
  at: number
  labels: Record<string, string>
}
