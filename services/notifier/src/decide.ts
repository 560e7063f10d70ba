import type { Alert, NotificationLogEntry, NotifiedAlert } from '@wabridge/schemas'

export interface Decision {
  /** Firing alerts to announce (not silenced). */
  firing: Alert[]
  /** Resolved alerts whose firing the receiver was told about. */
  resolved: Alert[]
  /** The log entry to keep once delivered: what the receiver now knows (silenced alerts it was told about stay firing). */
  notified: NotifiedAlert[]
  /** Resolved alerts the receiver never heard of: nothing to say, leave the group. */
  forget: string[]
  shouldSend: boolean
}

/**
 * What a group tells a receiver at a flush, from the group's alerts and the last notification the
 * receiver got (the log entry). Sends when a firing alert is new to the receiver, an alert it was
 * told about resolved, or `repeatIntervalMs` passed since the last notification while alerts still
 * fire. Pure: the clock and silences are arguments.
 */
export function decideFlush (alerts: readonly Alert[], entry: NotificationLogEntry | undefined, now: number, options: { repeatIntervalMs: number, isSilenced: (alert: Alert) => boolean }): Decision {
  const told = new Map((entry?.alerts ?? []).map((a) => [a.alert_id, a.state]))
  const firing: Alert[] = []
  const resolved: Alert[] = []
  const carried: NotifiedAlert[] = []
  const forget: string[] = []
  for (const a of alerts) {
    const before = told.get(a.alert_id)
    if (a.state === 'resolved') {
      if (before === 'firing') resolved.push(a)
      else forget.push(a.alert_id)
    } else if (before === 'resolved') {
      forget.push(a.alert_id)
    } else if (options.isSilenced(a)) {
      if (before === 'firing') carried.push({ alert_id: a.alert_id, state: 'firing' })
    } else {
      firing.push(a)
    }
  }
  const isNew = firing.some((a) => told.get(a.alert_id) !== 'firing')
  const isRepeat = firing.length > 0 && entry !== undefined && now - entry.sent_at >= options.repeatIntervalMs
  return {
    firing,
    resolved,
    notified: [
      ...firing.map((a) => ({ alert_id: a.alert_id, state: 'firing' as const })),
      ...carried,
      ...resolved.map((a) => ({ alert_id: a.alert_id, state: 'resolved' as const }))
    ],
    forget,
    shouldSend: isNew || resolved.length > 0 || isRepeat
  }
}
