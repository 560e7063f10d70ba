import type { SendDecision } from './decide-send.ts'

/**
 * The class stored with a failure (results, DLQ records, metrics), one per decideSend action:
 * - `retry_now`: transient; retry the same message with backoff (decision `retry`).
 * - `retry_later`: the same message can succeed after a long wait or after an operator acts
 *   (decision `fail` with `replayable: true`): dead-letter it and replay it then.
 * - `permanent`: this message will never succeed (decision `fail` with `replayable: false`).
 * - `ambiguous`: the request may have reached Meta and the message may have gone out; sending it
 *   again risks a duplicate, since the API has no idempotency key (decision `ambiguous`).
 */
export type ErrorClass = 'retry_now' | 'retry_later' | 'permanent' | 'ambiguous'

/** The class of a decision; the one mapping between the two. */
export function errorClassOf (decision: SendDecision): ErrorClass {
  switch (decision.action) {
    case 'retry': return 'retry_now'
    case 'ambiguous': return 'ambiguous'
    case 'fail': return decision.replayable ? 'retry_later' : 'permanent'
  }
}
