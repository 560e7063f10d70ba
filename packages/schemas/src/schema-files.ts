import { fileURLToPath } from 'node:url'

/** Namespace of every wabridge record (the `v1` is the contract version, not a schema revision). */
export const AVRO_NAMESPACE = 'dev.wabridge.v1'

/** Short names of the records, one per topic value type. */
export const SCHEMA_NAMES = [
  'InboundMessage',
  'InboundStatus',
  'InboundEvent',
  'RawWebhook',
  'OutboundRequest',
  'OutboundResult',
  'DeadLetter',
  'DeadLetterReplay',
  'Alert',
  'ApiKey',
  'Silence',
  'NotificationLogEntry',
  'WebhookSubscription',
  'WebhookDelivery',
  'EgressControl',
  'NumberState',
  'MessagingReach',
  'Suppression',
  'Campaign',
  'CampaignAudienceChunk',
  'CampaignCommand',
  'CustomerWindow',
  'TemplateEntry',
  'InboundMedia',
  'UploadedMedia'
] as const
export type SchemaName = typeof SCHEMA_NAMES[number]

const FILE_NAMES: Record<SchemaName, string> = {
  InboundMessage: 'inbound-message.avsc',
  InboundStatus: 'inbound-status.avsc',
  InboundEvent: 'inbound-event.avsc',
  RawWebhook: 'raw-webhook.avsc',
  OutboundRequest: 'outbound-request.avsc',
  OutboundResult: 'outbound-result.avsc',
  DeadLetter: 'dead-letter.avsc',
  DeadLetterReplay: 'dead-letter-replay.avsc',
  Alert: 'alert.avsc',
  ApiKey: 'api-key.avsc',
  Silence: 'silence.avsc',
  NotificationLogEntry: 'notification-log-entry.avsc',
  WebhookSubscription: 'webhook-subscription.avsc',
  WebhookDelivery: 'webhook-delivery.avsc',
  EgressControl: 'egress-control.avsc',
  NumberState: 'number-state.avsc',
  MessagingReach: 'messaging-reach.avsc',
  Suppression: 'suppression.avsc',
  Campaign: 'campaign.avsc',
  CampaignAudienceChunk: 'campaign-audience-chunk.avsc',
  CampaignCommand: 'campaign-command.avsc',
  CustomerWindow: 'customer-window.avsc',
  TemplateEntry: 'template-entry.avsc',
  InboundMedia: 'inbound-media.avsc',
  UploadedMedia: 'uploaded-media.avsc'
}

/** Absolute path of the folder holding the .avsc files (the same from src/ and dist/). */
export const AVRO_DIR = fileURLToPath(new URL('../avro/', import.meta.url))

/** Absolute path of each record's .avsc file. Each file parses alone (no cross-file references). */
export const SCHEMA_FILES: Readonly<Record<SchemaName, string>> = Object.freeze(Object.fromEntries(
  SCHEMA_NAMES.map((name) => [name, fileURLToPath(new URL(`../avro/${FILE_NAMES[name]}`, import.meta.url))])
) as Record<SchemaName, string>)

/** Whether `name` is one of {@link SCHEMA_NAMES}. */
export function isSchemaName (name: unknown): name is SchemaName {
  return typeof name === 'string' && (SCHEMA_NAMES as readonly string[]).includes(name)
}

/** The short record name of a (possibly namespaced) Avro name: 'dev.wabridge.v1.Alert' → 'Alert'. */
export function shortName (fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1)
}
