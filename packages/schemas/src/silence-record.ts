// The value of wa.notifier.silences, matching avro/silence.avsc field for field (a test checks it).

/** Symbols of the SilenceMatchOp enum: =, !=, =~ and !~ (regular expressions are anchored). */
export const SILENCE_MATCH_OPS = ['eq', 'neq', 're', 'nre'] as const
export type SilenceMatchOp = typeof SILENCE_MATCH_OPS[number]

/** One condition on one label of an alert. */
export interface SilenceMatcher {
  name: string
  op: SilenceMatchOp
  value: string
}

/** A silence of the notifier (topic wa.notifier.silences, key = id). Times are epoch milliseconds. */
export interface Silence {
  id: string
  /** All must match. */
  matchers: SilenceMatcher[]
  starts_at: number
  /** Expired from then on; expiring a silence writes it again with ends_at = now. */
  ends_at: number
  created_by: string
  comment: string
  updated_at: number
}
