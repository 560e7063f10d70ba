// The value of wa.campaigns.reach, matching avro/messaging-reach.avsc field for field (a test checks it).

/**
 * The messaging-limit guard's durable state (topic wa.campaigns.reach, compacted): a recipient
 * counted against a portfolio's rolling 24 h limit (key '{portfolio}:{wa_id}'), or the portfolio's
 * own entry (wa_id null, key '{portfolio}'). Times are epoch milliseconds.
 */
export interface MessagingReach {
  portfolio: string
  /** null = the portfolio's own entry. */
  wa_id: string | null
  /** Recipient: when last counted; portfolio: when written. */
  at: number
  /** Portfolio: the tier Meta last reported; null = none yet. */
  tier: string | null
  /** Portfolio: business_capability_update, phone_number_quality_update or graph. */
  tier_source: string | null
  /** Portfolio: when the open messaging_limit_reached alert fired; null = none open. */
  limit_reached_at: number | null
}
