export { createGraphApiClient } from './graph-api-client.ts'
export type { GraphApiClient, RequestOptions, SendOptions, MediaUpload, ListTemplatesOptions } from './graph-api-client.ts'
export { DEFAULT_API_VERSION } from './options.ts'
export { createAccessTokenLookup } from './access-tokens.ts'
export { mediaUrlProblem, openMediaDownload, ByteCap, MediaTooLargeError } from './media-download.ts'
export type { MediaHostPolicy, MediaDownloadOptions, MediaDownload } from './media-download.ts'
export type { GraphApiClientOptions } from './options.ts'
export type {
  GraphError, GraphFailure, GraphSuccessBase, MessageAccepted, ReadAccepted, SendOutcome,
  UploadOutcome, MediaInfo, MediaInfoOutcome, DownloadOutcome, DeleteOutcome, PhoneNumberInfo, PhoneNumberInfoOutcome, ThroughputLevel,
  TemplateListOutcome, MessagingLimitOutcome
} from './outcome.ts'
export { countTemplateParameters, templatePlaceholders, normalizeTemplateLanguage, parseMessageTemplate } from './message-templates.ts'
export type { MessageTemplate, TemplateDefinitionComponent, TemplateDefinitionButton, TemplateParameterCounts } from './message-templates.ts'
export { parseMessagingLimit, MESSAGING_LIMIT_TIERS } from './messaging-limit.ts'
export type { MessagingLimit, MessagingLimitTier } from './messaging-limit.ts'
export { decideSend, pairRateRetryDelayMs, PAIR_RATE_LIMIT_CODE } from './decide-send.ts'
export type { SendDecision, SendContext, SendFailure } from './decide-send.ts'
export { ERROR_CATALOGUE, findErrorCatalogueEntry } from './error-catalogue.ts'
export type { ErrorCatalogueEntry, CatalogueDecision, FailureScope, RetryBackoff } from './error-catalogue.ts'
export { errorClassOf } from './error-classes.ts'
export { pauseScopeOf } from './pause-scope.ts'
export type { PauseScope } from './pause-scope.ts'
export type { ErrorClass } from './error-classes.ts'
export { parseUsageHeaders } from './usage-headers.ts'
export type { GraphUsage, AppUsage, BusinessUseCaseUsage } from './usage-headers.ts'
export { TransportError, TRANSPORT_ERROR_CODES } from './dispatch-request.ts'
export type { TransportErrorCode } from './dispatch-request.ts'
export { isMarkAsRead } from './messages/message-types.ts'
export type {
  OutboundMessage, SendableMessage, MarkAsRead, MessageContext, TextMessage, MediaKind, MediaSource, MediaObject,
  MediaMessage, ImageMessage, VideoMessage, AudioMessage, DocumentMessage, StickerMessage, TemplateParameter,
  TemplateComponent, TemplateObject, TemplateMessage, InteractiveHeader, InteractiveObject, InteractiveMessage,
  ReactionMessage, LocationObject, LocationMessage, ContactCard, ContactsMessage
} from './messages/message-types.ts'
export { textMessage } from './messages/text-message.ts'
export { mediaMessage } from './messages/media-message.ts'
export type { MediaMessageOptions } from './messages/media-message.ts'
export { templateMessage, templateParam } from './messages/template-message.ts'
export type { TemplateMessageOptions, TemplateButton } from './messages/template-message.ts'
export {
  interactiveButtonMessage, interactiveListMessage, interactiveCtaUrlMessage, interactiveFlowMessage
} from './messages/interactive-message.ts'
export type { InteractiveCommon, ListSection, FlowOptions } from './messages/interactive-message.ts'
export { reactionMessage, locationMessage, contactsMessage, markAsRead, replyTo } from './messages/simple-messages.ts'
export { fetchPricingAnalytics, pricingAnalyticsField, PricingAnalyticsError } from './pricing-analytics.ts'
export type { PricingAnalyticsRequest, PricingDataPoint, PricingDimension, PricingGranularity, PricingMetricType } from './pricing-analytics.ts'
