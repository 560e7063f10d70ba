// Records and their schemas
export { AVRO_NAMESPACE, AVRO_DIR, SCHEMA_FILES, SCHEMA_NAMES, isSchemaName } from './schema-files.ts'
export type { SchemaName } from './schema-files.ts'
export { schemas, schemaType, loadSchemaJson } from './schemas.ts'
export type { AvroSchemaJson } from './schemas.ts'
export type { InboundMessage, InboundStatus, InboundEvent, RawWebhook } from './inbound-records.ts'
export { RESULT_STATUSES, ERROR_CLASSES, PRIORITIES, MAX_SEND_AHEAD_MS } from './outbound-records.ts'
export type { OutboundRequest, OutboundResult, ResultError, ResultStatus, ErrorClass, Priority, DeadLetter, Settlement } from './outbound-records.ts'
export { ALERT_STATES, ALERT_SEVERITIES } from './alert-record.ts'
export type { Alert, AlertState, AlertSeverity } from './alert-record.ts'
export type { WebhookDelivery, WebhookSecret, WebhookSubscription } from './webhook-records.ts'
export { API_KEY_PREFIX, generateApiKey, matchesApiKey, parseApiKey } from './api-key-record.ts'
export type { ApiKey } from './api-key-record.ts'
export { SILENCE_MATCH_OPS } from './silence-record.ts'
export type { Silence, SilenceMatcher, SilenceMatchOp } from './silence-record.ts'
export { SUPPRESSION_REASONS, suppressionScope, recipientWaId, suppressionKey, suppressionActive } from './suppression-record.ts'
export type { Suppression, SuppressionReason } from './suppression-record.ts'
export { CSW_DURATION_MS, FEP_DURATION_MS, MEDIA_FAILURES, MEDIA_STATUSES, normalizeLanguageCode, templateKey, uploadedMediaKey, windowKey } from './conversation-records.ts'
export type { CustomerWindow, InboundMedia, MediaFailure, MediaStatus, TemplateEntry, UploadedMedia } from './conversation-records.ts'
export type { MessagingReach } from './messaging-reach-record.ts'
export { CAMPAIGN_STATES, CAMPAIGN_COMMANDS } from './campaign-record.ts'
export type { Campaign, CampaignState, CampaignRecipient, CampaignAudienceChunk, CampaignCommand, CampaignCommandType } from './campaign-record.ts'
export type { NotificationLogEntry, NotifiedAlert } from './notification-log-record.ts'
export { EGRESS_COMMANDS } from './egress-control-record.ts'
export type { DeadLetterReplay } from './dead-letter-replay-record.ts'
export type { EgressControl, EgressCommand } from './egress-control-record.ts'
export { NUMBER_SEND_STATES, RATE_SOURCES } from './number-state-record.ts'
export type { NumberState, NumberSendState, RateSource } from './number-state-record.ts'
export type { RecordValues, DecodedRecord } from './record-values.ts'

// Encoding
export { createCodec } from './codec.ts'
export type { Codec, CodecOptions, SchemaInput } from './codec.ts'
export { createSchemaRegistryClient } from './registry-client.ts'
export type { SchemaRegistryClient, SchemaRegistryClientOptions } from './registry-client.ts'
export {
  SINGLE_OBJECT_MARKER,
  SINGLE_OBJECT_HEADER_BYTES,
  CONFLUENT_MAGIC_BYTE,
  CONFLUENT_HEADER_BYTES,
  detectWireFormat,
  frameSingleObject,
  frameConfluent,
  readSingleObject,
  readConfluent
} from './wire-format.ts'
export type { WireFormat } from './wire-format.ts'
export { contentTypeFor, schemaNameForContentType } from './content-type.ts'
export { fingerprintHex, schemaFingerprint } from './fingerprint.ts'
export { toParsingCanonicalForm } from './canonical-form.ts'
export { crc64Avro, CRC64_AVRO_EMPTY } from './crc64-avro.ts'

// JSON at the HTTP boundary (zod)
export {
  WebhookPayloadSchema,
  WebhookEntrySchema,
  WebhookChangeSchema,
  MessagesValueSchema,
  WebhookMetadataSchema,
  WebhookContactSchema,
  WebhookMessageSchema,
  WebhookStatusSchema,
  WebhookErrorSchema,
  MetaTimestampSchema,
  parseWebhookPayload,
  parseMessagesValue,
  metaTimestampToMs
} from './webhook.ts'
export type {
  WebhookPayload,
  WebhookEntry,
  WebhookChange,
  MessagesValue,
  WebhookMetadata,
  WebhookContact,
  WebhookMessage,
  WebhookStatus,
  WebhookError,
  MetaTimestamp
} from './webhook.ts'
export {
  OutboundRequestJsonSchema,
  OutboundMessageSchema,
  SendMessageSchema,
  MarkReadMessageSchema,
  MEDIA_TYPES,
  STORE_URI,
  parseOutboundRequestJson,
  toOutboundRequestRecord,
  fromOutboundRequestRecord
} from './outbound-request.ts'
export type { OutboundRequestJson, OutboundMessage, SendMessage, MarkReadMessage } from './outbound-request.ts'

// Errors
export { SchemaError, SCHEMA_ERROR_CODES } from './errors.ts'
export type { SchemaErrorCode, SchemaIssue, SchemaErrorOptions } from './errors.ts'
