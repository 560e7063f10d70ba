/** Which requests a fault applies to; every given field must match (`to` compares digits only). */
export interface FaultMatch {
  phoneNumberId?: string
  /** The WABA of the sending number (the sim's setting for it): every number of the WABA matches. */
  wabaId?: string
  to?: string
  /** Message type, or 'read' for mark-as-read. */
  type?: string
}

/**
 * The body of an injected error: Meta's `envelope` for the code, a proxy's `html` error page, a
 * `text/plain` line, or nothing (`empty`).
 */
export type FaultErrorBody = 'envelope' | 'html' | 'text' | 'empty'

/**
 * What happens to a matching request:
 * - `error`: answer `httpStatus` with `body`: Meta's envelope for `code` (the default when `code` is
 *   given; the status then defaults to the sim's catalogue), or a proxy's `html` page (the default
 *   without `code`; the status then defaults to 502), `text` or `empty`. With `accept` (default
 *   **false** here) the message is accepted first (recorded, statuses sent) and the caller still
 *   gets the error: a gateway in front of Meta that lost Meta's answer, e.g.
 *   `{ type: 'error', httpStatus: 502, accept: true }`. `answerAfterMs` delays the answer (a 504
 *   after a gateway's timeout); the sim's latency applies otherwise.
 * - `timeout`: hold the request; answer after `answerAfterMs`, or never when it is absent.
 * - `reset`: drop the connection after reading the whole request, without answering a byte.
 * For timeout and reset, `accept` (default true) says whether the message is still accepted (recorded,
 * statuses sent): the dangerous case of a message that went out without its caller knowing.
 */
export type FaultAction =
  | { type: 'error', code?: number, httpStatus?: number, message?: string, details?: string, body?: FaultErrorBody, accept?: boolean, answerAfterMs?: number }
  | { type: 'timeout', answerAfterMs?: number, accept?: boolean }
  | { type: 'reset', accept?: boolean }

/** One fault rule. Without `count` and `probability` it applies to every matching request. */
export interface FaultRule {
  /** Assigned by the sim when absent. */
  id?: string
  match?: FaultMatch
  /** Apply with this probability (0–1) per matching request. */
  probability?: number
  /** Apply to the next N matching requests only, then remove the rule. */
  count?: number
  action: FaultAction
}

/** A rule as stored: with its id and how often it fired. */
export interface ActiveFault extends FaultRule {
  id: string
  applied: number
}

/** The fault rules in force, evaluated in order; the first rule that fires wins. */
export interface FaultInjector {
  /** The action for a request, consuming one use of a next-N rule. */
  pick (request: { phoneNumberId: string, wabaId?: string, to?: string, type: string }): FaultAction | undefined
  add (rule: FaultRule): string
  remove (id: string): boolean
  set (rules: FaultRule[]): void
  clear (): void
  list (): ActiveFault[]
}

const digits = (s: string): string => s.replace(/\D/g, '')

export function createFaultInjector (random: () => number): FaultInjector {
  let rules: ActiveFault[] = []
  let nextId = 1

  function matches (rule: FaultRule, req: { phoneNumberId: string, wabaId?: string, to?: string, type: string }): boolean {
    const m = rule.match
    if (!m) return true
    if (m.phoneNumberId !== undefined && m.phoneNumberId !== req.phoneNumberId) return false
    if (m.wabaId !== undefined && m.wabaId !== req.wabaId) return false
    if (m.type !== undefined && m.type !== req.type) return false
    return m.to === undefined || (req.to !== undefined && digits(m.to) === digits(req.to))
  }

  const add = (rule: FaultRule): string => {
    const id = rule.id ?? `f${nextId++}`
    rules.push({ ...rule, id, applied: 0 })
    return id
  }

  return {
    pick (req) {
      for (const rule of rules) {
        if (!matches(rule, req)) continue
        if (rule.probability !== undefined && random() >= rule.probability) continue
        rule.applied++
        if (rule.count !== undefined && rule.applied >= rule.count) rules = rules.filter((r) => r !== rule)
        return rule.action
      }
      return undefined
    },
    add,
    remove (id) {
      const before = rules.length
      rules = rules.filter((r) => r.id !== id)
      return rules.length !== before
    },
    set (list) {
      rules = []
      for (const r of list) add(r)
    },
    clear () { rules = [] },
    list: () => rules.map((r) => ({ ...r }))
  }
}
