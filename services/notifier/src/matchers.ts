import type { Alert, SilenceMatcher, SilenceMatchOp } from '@wabridge/schemas'

const OPS: Array<[string, SilenceMatchOp]> = [['=~', 're'], ['!~', 'nre'], ['!=', 'neq'], ['=', 'eq']]

/** Parses `name=value`, `name!=value`, `name=~regex` or `name!~regex` (regular expressions are anchored). */
export function parseMatcher (text: string): SilenceMatcher {
  const at = text.search(/!=|=~|!~|=/)
  if (at <= 0) throw new Error(`matcher '${text}' must be label=value, label!=value, label=~regex or label!~regex`)
  const name = text.slice(0, at).trim()
  const [symbol, op] = OPS.find(([s]) => text.startsWith(s, at))!
  const value = text.slice(at + symbol.length).trim()
  if (op === 're' || op === 'nre') toRegExp(value)
  return { name, op, value }
}

/** A matcher written back in the syntax parseMatcher reads. */
export function formatMatcher (m: SilenceMatcher): string {
  return `${m.name}${OPS.find(([, op]) => op === m.op)![0]}${m.value}`
}

function toRegExp (source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`)
  } catch (err) {
    throw new Error(`matcher regex '${source}' is invalid: ${(err as Error).message}`, { cause: err })
  }
}

const regexCache = new Map<string, RegExp>()

/** True when `labels` satisfies the matcher; an absent label is the empty string (as in Alertmanager). */
export function matches (m: SilenceMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[m.name] ?? ''
  if (m.op === 'eq') return value === m.value
  if (m.op === 'neq') return value !== m.value
  let re = regexCache.get(m.value)
  if (!re) {
    re = toRegExp(m.value)
    regexCache.set(m.value, re)
  }
  return re.test(value) === (m.op === 're')
}

/** True when every matcher matches (an empty list matches everything). */
export function matchesAll (matchers: readonly SilenceMatcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => matches(m, labels))
}

/**
 * The labels of an alert that routes, groups and silences match on: its `labels` map, then the
 * record's own fields (which win): name, severity, scope, phone_number_id, waba_id.
 */
export function alertLabels (alert: Alert): Record<string, string> {
  return {
    ...alert.labels,
    name: alert.name,
    severity: alert.severity,
    scope: alert.scope,
    ...(alert.phone_number_id !== null && { phone_number_id: alert.phone_number_id }),
    ...(alert.waba_id !== null && { waba_id: alert.waba_id })
  }
}
