// The client
export { createClient } from './client.ts'
export type { Client, ClientOptions, SendOptions } from './client.ts'
export type { WaitOptions } from './result-waiter.ts'
export type { Handler, RecordInfo, SubscribeOptions, Subscription } from './subscription.ts'
export type { ClientTopics } from './topics.ts'

// Requests and records
export { MAX_SEND_AHEAD_MS } from './request.ts'
export type { SendRequest, OutboundMessage, SendMessage, MarkReadMessage } from './request.ts'
export { PRIORITIES } from './records.ts'
export type {
  Priority,
  InboundMessage,
  InboundStatus,
  OutboundRequestRecord,
  OutboundResult,
  ResultStatus,
  ResultError,
  ErrorClass,
  Settlement
} from './records.ts'

// Errors
export { ClientError, CLIENT_ERROR_CODES } from './errors.ts'
export type { ClientErrorCode, RequestIssue } from './errors.ts'
