export { isWindowClosed, mergeWindow, NON_OPENING_TYPES, windowFromMessage, windowFromStatus, windowState } from './windows/reduce.ts'
export type { WindowState, WindowUpdate } from './windows/reduce.ts'
export { normalizeWaId, windowAnswer, WindowAnswerSchema, WindowParamsSchema } from './windows/answer.ts'
export type { WindowAnswer } from './windows/answer.ts'
export { ensureWindowTopics, windowTopics, WINDOWS_TOPIC_CONFIGS } from './windows/topics.ts'
export type { EnsureWindowTopicsOptions, WindowTopics } from './windows/topics.ts'
export { coPartitionAssigner, coPartitionAssignment, CO_PARTITION_ASSIGNER } from './windows/co-partition-assigner.ts'
export { createWindowKeeper } from './windows/keeper.ts'
export type { WindowKeeper, WindowKeeperEvents, WindowKeeperOptions } from './windows/keeper.ts'
export {
  applyTemplateWebhook, checkTemplateSend, configuredWabas, createTemplateCatalogPart, createTemplateCatalogView, createTemplateCatalogWriter, entryKey, parseTemplateWebhook, planSync, sameContent,
  TEMPLATE_ALERT_NAMES, TEMPLATE_ERRORS, TEMPLATE_LIST_FIELDS, TEMPLATE_WEBHOOK_FIELDS, templateAlert, templateAlertScope, templatesTopic, TEMPLATES_TOPIC_CONFIGS,
  TEMPLATE_HTTP_ERROR_CODES, TEMPLATE_PATHS, TemplateErrorBodySchema, templateJson, TemplateJsonSchema, TemplateListQuerySchema, TemplateListSchema, TemplateParamsSchema,
  templateRoutes, TemplateSyncAnswerSchema, TemplateSyncBodySchema, wabaTokenResolver
} from './templates/index.ts'
export type {
  SyncPlan, TemplateCatalogPart, TemplateCatalogPartDeps, TemplateCatalogView, TemplateCatalogViewOptions, TemplateCatalogWriter, TemplateCatalogWriterOptions, TemplateChange, TemplateChangeListener, TemplateCheck,
  TemplateCheckOptions, TemplateMessage, TemplateMessageInput, TemplateWebhookChange, TemplateWebhookField, WabaSyncResult
} from './templates/index.ts'
export { createWindowTracker } from './windows/tracker.ts'
export type { WindowTracker, WindowTrackerOptions } from './windows/tracker.ts'
