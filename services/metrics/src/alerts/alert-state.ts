import type { Alert } from '@wabridge/schemas'
import { resolved, stepAlert, type AlertRule, type AlertStatus } from './machine.ts'
import { clean } from '../state/keys.ts'
import { setProp, type PartitionState } from '../state/partition-state.ts'
import type { TpTable } from '../state/table.ts'

/** The prop holding a rule's state for one scope. */
export const alertKey = (name: string, scope: string) => `a|${name}|${clean(scope)}`

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

/**
 * Resolves (or forgets, when pending) the alerts of this state that `retire` picks, e.g. rules of a
 * share or a scope the configuration no longer has; `keep` holds the props of rules evaluated now.
 */
export function retireAlerts (state: PartitionState, retire: (name: string) => boolean, keep: ReadonlySet<string>, now: number, message: string): void {
  for (const [rest, raw] of [...state.props]) {
    if (!rest.startsWith('a|') || keep.has(rest)) continue
    const name = rest.slice(2, rest.indexOf('|', 2))
    if (!retire(name)) continue
    const status = JSON.parse(raw) as AlertStatus
    const emit = status.phase === 'firing' ? resolved(status, now, 0, message) : undefined
    setProp(state, rest, undefined)
    if (emit) state.alerts.push(emit)
  }
}

/**
 * Fires a webhook alert anew: a firing one of the same rule and scope resolves first (its labels
 * are out of date, e.g. the previous tier), then the rule fires with the new record.
 */
export function refireAlert (state: PartitionState, rule: AlertRule, now: number): void {
  const rest = alertKey(rule.name, rule.scope)
  const prev = statusOf(state, rest)
  if (prev?.phase === 'firing') {
    const emit = resolved(prev, now, 0, `superseded: ${rule.message(1)}`)
    setProp(state, rest, undefined)
    if (emit) state.alerts.push(emit)
  }
  applyAlert(state, rule, 1, now)
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
