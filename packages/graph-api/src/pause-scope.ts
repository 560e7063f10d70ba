import type { SendDecision } from './decide-send.ts'

/**
 * What a circuit breaker stops after a failed send: every send from this phone `number`, from any
 * number of the `waba`, or every send made with the same access `token` (an `app`-scope error:
 * the token expired or lost a permission; the numbers sharing it fail alike).
 */
export type PauseScope = 'number' | 'waba' | 'token'

/**
 * Codes whose decision names the WABA but that stop only one kind of message (marketing through
 * /messages, the Marketing Messages API): pausing every send of the WABA would be wrong.
 */
const NOT_A_PAUSE = new Set([131063, 134102])

/**
 * Whether a failed send means that every following send of the same scope fails the same way until
 * an operator acts or an enforcement period ends (whatsapp-cloud-api-more.md §7: 190 and the
 * permission family, 33, 131031, 131037, 131042, 131045, 131048, 131064, 133xxx, 368 …), and for
 * which scope: the decision is a `fail` that can be replayed later, about the number, its WABA or
 * the app's token. Undefined for everything else (one message, one recipient, one template, a
 * retry, an ambiguous send). The same message can be sent again once the scope recovers: Meta
 * refused it, so nothing left.
 */
export function pauseScopeOf (decision: SendDecision, code?: number): PauseScope | undefined {
  if (decision.action !== 'fail' || !decision.replayable) return undefined
  if (code !== undefined && NOT_A_PAUSE.has(code)) return undefined
  switch (decision.scope) {
    case 'number': return 'number'
    case 'waba': return 'waba'
    case 'app': return 'token'
    default: return undefined
  }
}
