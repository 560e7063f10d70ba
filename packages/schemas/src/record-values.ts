import type { Alert } from './alert-record.ts'
import type { EgressControl } from './egress-control-record.ts'
import type { DeadLetterReplay } from './dead-letter-replay-record.ts'
import type { NumberState } from './number-state-record.ts'
import type { ApiKey } from './api-key-record.ts'
import type { InboundEvent, InboundMessage, InboundStatus, RawWebhook } from './inbound-records.ts'
import type { DeadLetter, OutboundRequest, OutboundResult } from './outbound-records.ts'
import type { NotificationLogEntry } from './notification-log-record.ts'
import type { SchemaName } from './schema-files.ts'
import type { WebhookDelivery, WebhookSubscription } from './webhook-records.ts'
import type { Silence } from './silence-record.ts'
import type { Suppression } from './suppression-record.ts'
import type { MessagingReach } from './messaging-reach-record.ts'
import type { Campaign, CampaignAudienceChunk, CampaignCommand } from './campaign-record.ts'
import type { CustomerWindow, InboundMedia, TemplateEntry, UploadedMedia } from './conversation-records.ts'

/** The TypeScript value type of each record, by schema name. */
export interface RecordValues {
  InboundMessage: InboundMessage
  InboundStatus: InboundStatus
  InboundEvent: InboundEvent
  RawWebhook: RawWebhook
  OutboundRequest: OutboundRequest
  OutboundResult: OutboundResult
  DeadLetter: DeadLetter
  DeadLetterReplay: DeadLetterReplay
  Alert: Alert
  ApiKey: ApiKey
  Silence: Silence
  NotificationLogEntry: NotificationLogEntry
  WebhookSubscription: WebhookSubscription
  WebhookDelivery: WebhookDelivery
  EgressControl: EgressControl
  NumberState: NumberState
  MessagingReach: MessagingReach
  Suppression: Suppression
  Campaign: Campaign
  CampaignAudienceChunk: CampaignAudienceChunk
  CampaignCommand: CampaignCommand
  CustomerWindow: CustomerWindow
  TemplateEntry: TemplateEntry
  InboundMedia: InboundMedia
  UploadedMedia: UploadedMedia
}

/**
 * A decoded record: which schema it is (narrows `value`), and where its writer schema came from
 * (`fingerprint` for single-object encoding, `schemaId` for the Confluent wire format).
 */
export type DecodedRecord<N extends SchemaName = SchemaName> = {
  [K in N]: { schema: K, value: RecordValues[K], fingerprint?: string, schemaId?: number }
}[N]
