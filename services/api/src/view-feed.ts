import type { KafkaMessage } from 'kafkajs'
import { fromKafkaHeaders } from '@wabridge/kafka'
import type { ApiKey, Codec, InboundStatus } from '@wabridge/schemas'
import type { KeyStore } from './key-store.ts'
import { toResultView, WEBHOOK_STATUSES, type WebhookStatus, type WebhookView } from './message-state.ts'
import { toRequestFacts } from './request-record.ts'
import type { RequestView } from './request-view.ts'

export interface ViewTopics {
  requests: string
  /** Requests held by the scheduler until their send_at. */
  scheduled: string
  results: string
  statuses: string
  keys: string
}

export interface ViewFeedStats {
  /** Records of the results, statuses or keys topics that did not decode (skipped). */
  undecodable: number
}

/** Headers ingress puts on status records (services/egress/src/settlement/status-evidence.ts reads the same). */
const STATUS_HEADERS = { callbackData: 'wa-callback-data', status: 'wa-status', messageId: 'wa-message-id', timestamp: 'wa-timestamp' } as const

const isWebhookStatus = (s: string | undefined): s is WebhookStatus => (WEBHOOK_STATUSES as readonly string[]).includes(s ?? '')

/** Meta's error of a failed status: the first errors[] entry of the original JSON. */
function statusError (status: InboundStatus): WebhookView['error'] {
  let first: { code?: unknown, title?: unknown, message?: unknown, error_data?: { details?: unknown } } | undefined
  try {
    first = (JSON.parse(status.status_json) as { errors?: Array<typeof first> }).errors?.[0]
  } catch {
    first = undefined
  }
  const code = typeof first?.code === 'number' ? first.code : status.error_codes[0] ?? null
  const text = (v: unknown) => typeof v === 'string' && v !== '' ? v : undefined
  return { code, message: text(first?.title) ?? text(first?.message) ?? (code === null ? 'failed' : `error ${code}`), details: text(first?.error_data?.details) ?? null }
}

/**
 * Turns records of the five topics into the view and the key store: request records (Avro or
 * JSON; scheduled ones too, and their release), results (the latest per request id), status webhooks keyed by the request id they echo
 * (biz_opaque_callback_data; ingress puts it and the status in headers, so only failed statuses,
 * whose error is in the value, are decoded), and API keys (compacted topic, null value = deleted).
 */
export function createViewFeed (deps: { codec: Codec, view: RequestView, keys: KeyStore, topics: ViewTopics, logger?: { warn(obj: object, msg: string): void } }) {
  const { codec, view, keys, topics } = deps
  let undecodable = 0
  const skip = (err: unknown, topic: string, message: KafkaMessage) => {
    undecodable++
    deps.logger?.warn({ err, topic, offset: message.offset }, 'record not decodable; skipped')
  }

  async function onStatus (message: KafkaMessage): Promise<void> {
    const extra = fromKafkaHeaders(message.headers).extra ?? {}
    const headerStatus = extra[STATUS_HEADERS.status]
    // Records with the headers and a status that decides nothing, or no request id, need no decoding.
    if (headerStatus !== undefined && (!isWebhookStatus(headerStatus) || !extra[STATUS_HEADERS.callbackData])) return
    if (headerStatus !== undefined && headerStatus !== 'failed') {
      const at = Number(extra[STATUS_HEADERS.timestamp])
      // The key is '{phone_number_id}:{recipient_id}'.
      const key = message.key?.toString('utf8') ?? ''
      const colon = key.indexOf(':')
      view.addWebhook(extra[STATUS_HEADERS.callbackData]!, Number(message.timestamp), {
        phoneNumberId: colon < 0 ? key : key.slice(0, colon),
        webhook: { status: headerStatus, at: Number.isFinite(at) ? at : Number(message.timestamp), wamid: extra[STATUS_HEADERS.messageId] ?? null, error: null }
      })
      return
    }
    if (!message.value) return
    const { value } = await codec.deserialize(message.value, 'InboundStatus')
    if (!value.biz_opaque_callback_data || !isWebhookStatus(value.status)) return
    view.addWebhook(value.biz_opaque_callback_data, Number(message.timestamp), {
      phoneNumberId: value.phone_number_id,
      webhook: { status: value.status, at: value.meta_timestamp, wamid: value.message_id || null, error: value.status === 'failed' ? statusError(value) : null }
    })
  }

  return {
    stats: (): ViewFeedStats => ({ undecodable }),
    async onRecord (topic: string, message: KafkaMessage): Promise<void> {
      try {
        if (topic === topics.requests || topic === topics.scheduled) {
          const facts = await toRequestFacts(codec, message, topic === topics.requests)
          if (facts) view.addRequest(facts)
        } else if (topic === topics.results) {
          if (!message.value) return
          const { value } = await codec.deserialize(message.value, 'OutboundResult')
          view.addResult(value.request_id, Number(message.timestamp), { phoneNumberId: value.phone_number_id, to: value.to, result: toResultView(value) })
        } else if (topic === topics.statuses) {
          await onStatus(message)
        } else if (topic === topics.keys) {
          const keyId = message.key?.toString('utf8')
          if (!keyId) return
          keys.apply(keyId, message.value ? (await codec.deserialize(message.value, 'ApiKey')).value as ApiKey : null)
        }
      } catch (err) {
        skip(err, topic, message)
      }
    }
  }
}
