import type { Alert } from '@wabridge/schemas'
import { resolved, stepAlert, type AlertRule, type AlertStatus } from './machine.ts'
import { clean } from '../state/keys.ts'
import { setProp, type PartitionState } from '../state/partition-state.ts'
import type { TpTable } from '../state/table.ts'

const alertKey = (name: string, scope: string) => `a|${name}|${clean(scope)}`

function statusOf (table: TpTable, rest: string): AlertStatus | undefined {
  const raw = table.props.get(rest)
  return raw === undefined ? undefined : JSON.parse(raw) as AlertStatus
}

/** Steps `rule` for its scope with `value`; the state keeps the result and queues any record to publish. */
export function applyAlert (state: PartitionState, rule: AlertRule, value: number, now: number): void {
  const rest = alertKey(rule.name, rule.scope)
  const prev = statusOf(state, rest)
  if (prev === undefined && value < rule.fireAt) return
  const { next, emit } = stepAlert(prev, rule, value, now)
  setProp(state, rest, next === undefined ? undefined : JSON.stringify(next))
  if (emit) state.alerts.push(emit)
}

/** Resolves firing alerts of `names` last confirmed `ttlMs` or more before `now`. */
export function expireAlerts (state: PartitionState, names: ReadonlySet<string>, ttlMs: number, now: number): void {
  for (const [rest, raw] of [...state.props]) {
    if (!rest.startsWith('a|')) continue
    const status = JSON.parse(raw) as AlertStatus
    if (status.phase !== 'firing' || !status.alert || !names.has(status.alert.name) || now - status.seenAt < ttlMs) continue
    const emit = resolved(status, now, 0, `expired: no webhook confirmed it for ${Math.round(ttlMs / 60_000)} min`)
    setProp(state, rest, undefined)
    if (emit) state.alerts.push(emit)
  }
}

/** Alerts firing in a table (the record as fired). */
export function firingAlerts (table: TpTable): Alert[] {
  const out: Alert[] = []
  for (const [rest, raw] of table.props) {
    if (!rest.startsWith('a|')) continue
    const status = JSON.parse(raw) as AlertStatus
    if (status.phase === 'firing' && status.alert) out.push(status.alert)
  }
  return out
}
