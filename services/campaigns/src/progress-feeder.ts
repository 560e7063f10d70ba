import { randomUUID } from 'node:crypto'
import type { Kafka } from 'kafkajs'
import { createConsumer, createProducer, toKafkaHeaders, type OutgoingRecord } from '@wabridge/kafka'
import { contentTypeFor, type CampaignCommand, type Codec, type InboundStatus, type OutboundResult } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { ProgressEvent } from './recipient-states.ts'

/** One result or status of a campaign request: [recipient index, event, error code]. */
export type ProgressItem = [number, ProgressEvent, string | null]

const REQUEST_ID = /^cmp\.([A-Za-z0-9_-]+)\.(\d+)$/
/** Progress items per command record (≈ 20 bytes each). */
const MAX_ITEMS = 5000

/** The campaign, recipient index and event of an outbound result, or undefined when it is not a campaign's. */
export function progressOfResult (r: OutboundResult): { campaignId: string, item: ProgressItem } | undefined {
  const m = REQUEST_ID.exec(r.request_id)
  if (!m) return undefined
  const index = Number(m[2])
  switch (r.status) {
    case 'accepted':
    case 'unknown': // may have been sent: counted as sent; a status webhook moves it on
      return { campaignId: m[1]!, item: [index, 'a', null] }
    case 'failed':
      return { campaignId: m[1]!, item: r.error?.class === 'suppressed' ? [index, 's', null] : [index, 'f', r.error?.code == null ? 'none' : String(r.error.code)] }
    default: // expired, cancelled
      return { campaignId: m[1]!, item: [index, 'f', r.status] }
  }
}

/** The campaign, recipient index and event of a status webhook (biz_opaque_callback_data = the request id). */
export function progressOfStatus (s: InboundStatus): { campaignId: string, item: ProgressItem } | undefined {
  const m = REQUEST_ID.exec(s.biz_opaque_callback_data ?? '')
  if (!m) return undefined
  const index = Number(m[2])
  switch (s.status) {
    case 'sent': return { campaignId: m[1]!, item: [index, 'a', null] }
    case 'delivered': return { campaignId: m[1]!, item: [index, 'd', null] }
    case 'read': return { campaignId: m[1]!, item: [index, 'r', null] }
    case 'failed': return { campaignId: m[1]!, item: [index, 'f', s.error_codes[0] === undefined ? 'none' : String(s.error_codes[0])] }
    default: return undefined
  }
}

export interface ProgressFeeder {
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * Turns results (wa.outbound.results) and statuses (wa.inbound.statuses) of campaign requests into
 * progress commands on the commands topic, keyed by the campaign's number, so they reach the
 * campaign's owner. At least once (offsets committed after the commands are acknowledged): the
 * owner's recipient states only move forward, so a repeated event counts once.
 */
export function createProgressFeeder (o: {
  topics: { results: string, statuses: string, commands: string }
  groupId: string
  sessionTimeoutMs: number
  maxRestarts: number
  restartWindowMs: number
  onCrash: (err: Error) => void
}, deps: { kafka: Kafka, codec: Codec, logger: Logger, clock: () => number }): ProgressFeeder {
  const producer = createProducer(deps.kafka, { lingerMs: 0 })
  const consumer = createConsumer(deps.kafka, {
    groupId: o.groupId,
    topics: [o.topics.results, o.topics.statuses],
    // A new group reads what is there (once): a result written before its first join still counts.
    fromBeginning: true,
    sessionTimeoutMs: o.sessionTimeoutMs,
    maxWaitTimeMs: 100,
    partitionsConsumedConcurrently: 4,
    maxRestarts: o.maxRestarts,
    restartWindowMs: o.restartWindowMs,
    onCrash: o.onCrash
  })
  return {
    async start () {
      await producer.start()
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const byCampaign = new Map<string, { phoneNumberId: string, items: ProgressItem[] }>()
          const isResults = batch.topic === o.topics.results
          for (const m of batch.messages) {
            if (!m.value) continue
            try {
              const decoded = isResults
                ? await deps.codec.deserialize(m.value, 'OutboundResult').then((r) => ({ p: progressOfResult(r.value), pn: r.value.phone_number_id }))
                : await deps.codec.deserialize(m.value, 'InboundStatus').then((r) => ({ p: progressOfStatus(r.value), pn: r.value.phone_number_id }))
              if (!decoded.p) continue
              let entry = byCampaign.get(decoded.p.campaignId)
              if (!entry) byCampaign.set(decoded.p.campaignId, entry = { phoneNumberId: decoded.pn, items: [] })
              entry.items.push(decoded.p.item)
            } catch (err) {
              deps.logger.warn({ err, topic: batch.topic, offset: m.offset }, 'record not decodable: skipped')
            }
          }
          const records: OutgoingRecord[] = []
          for (const [campaignId, { phoneNumberId, items }] of byCampaign) {
            for (let i = 0; i < items.length; i += MAX_ITEMS) {
              const command: CampaignCommand = { command_id: randomUUID(), campaign_id: campaignId, phone_number_id: phoneNumberId, command: 'progress', issued_at: deps.clock(), payload_json: JSON.stringify(items.slice(i, i + MAX_ITEMS)) }
              records.push({
                topic: o.topics.commands,
                key: phoneNumberId,
                value: await deps.codec.serialize(o.topics.commands, 'CampaignCommand', command),
                headers: toKafkaHeaders({ eventId: command.command_id, contentType: contentTypeFor('CampaignCommand'), schemaFingerprint: deps.codec.fingerprintHex('CampaignCommand') })
              })
            }
          }
          if (records.length > 0) await producer.send(records)
          const last = batch.messages.at(-1)
          if (last) {
            for (const m of batch.messages) resolveOffset(m.offset)
            await consumer.commit([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }])
          }
          await heartbeat()
        }
      })
    },
    async stop () {
      await consumer.stop()
      await producer.stop()
    }
  }
}
