// The values of the CRM webhooks service's topics, matching avro/webhook-subscription.avsc and
// avro/webhook-delivery.avsc field for field (a test checks it). Times are epoch milliseconds.

/** A signing secret of a subscription (the WebhookSecret record). */
export interface WebhookSecret {
  /** 'whsec_' + base64 of the key bytes. */
  secret: string
  created_at: number
  /** null = signs until rotated. */
  expires_at: number | null
}

/** An endpoint receiving gateway events as signed webhooks (topic wa.webhooks.subscriptions, compacted). */
export interface WebhookSubscription {
  subscription_id: string
  url: string
  /** message.received | message.status | message.result */
  event_types: string[]
  /** Empty = every number. */
  phone_number_ids: string[]
  secrets: WebhookSecret[]
  enabled: boolean
  description: string | null
  created_at: number
  updated_at: number
  disabled_at: number | null
  disabled_reason: string | null
}

/** An event for one subscription parked for retry (wa.webhooks.retry) or given up (wa.webhooks.failed). */
export interface WebhookDelivery {
  webhook_id: string
  subscription_id: string
  /** '{phone_number_id}:{customer wa_id}' */
  conversation: string
  event_type: string
  /** The JSON body exactly as signed. */
  body: string
  event_at: number
  source_topic: string
  source_partition: number
  /** Decimal string. */
  source_offset: string
  parked_at: number
  first_failed_at: number | null
  attempts: number
  last_error: string | null
  failed_at: number | null
  failed_reason: string | null
}
