import type { IHeaders } from 'kafkajs'
import { SCHEDULER_COMMAND_HEADER } from '@wabridge/kafka'
import { MAX_SEND_AHEAD_MS, type Codec, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'

/** Headers the scheduler adds to its own records (never copied to a released request). */
export const SCHED_HEADER = {
  state: 'wabridge-scheduler-state',
  sendAt: 'wabridge-scheduler-send-at',
  key: 'wabridge-scheduler-key',
  source: 'wabridge-scheduler-source',
  command: SCHEDULER_COMMAND_HEADER
} as const

export type PendingState = 'pending' | 'released' | 'cancelled'

/** A pending request as kept in memory and in the pending topic (partition = its scheduled partition). */
export interface PendingEntry {
  id: string
  sendAt: number
  /** The scheduled record's key (phone_number_id): the released record keeps it, so its partition. */
  key: string | null
  /** The scheduled record's value, byte for byte (Avro or JSON). */
  value: Buffer
  /** The scheduled record's own headers (content type, trace context). */
  headers: Record<string, Buffer>
  /** `<partition>:<offset>` of the scheduled record. */
  source: string
}

/** The latest state of a request id in the pending topic. */
export type PendingRecord =
  | { state: 'pending', entry: PendingEntry, offset: bigint }
  | { state: 'released' | 'cancelled', id: string, at: number, sendAt: number, offset: bigint }
  | { state: 'gone', id: string, offset: bigint }

const str = (v: unknown): string | undefined => v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : Array.isArray(v) ? str(v[0]) : String(v)

/** Own headers of a consumed record, as buffers (copies: a kept slice would keep its whole fetch response), without the scheduler's. */
export function ownHeaders (headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.startsWith('wabridge-scheduler-') || v === undefined) continue
    const first = Array.isArray(v) ? v[0] : v
    if (first !== undefined) out[k] = Buffer.from(Buffer.isBuffer(first) ? first : String(first))
  }
  return out
}

/** The pending-topic record of an entry. */
export function pendingRecord (topic: string, partition: number, e: PendingEntry) {
  return {
    topic,
    partition,
    key: e.id,
    value: e.value,
    headers: { ...e.headers, [SCHED_HEADER.state]: 'pending', [SCHED_HEADER.sendAt]: String(e.sendAt), [SCHED_HEADER.source]: e.source, ...(e.key !== null && { [SCHED_HEADER.key]: e.key }) }
  }
}

/** A released or cancelled marker: kept (compaction keeps the latest value) so a late duplicate or cancel is recognised. */
export function markerRecord (topic: string, partition: number, m: { id: string, state: 'released' | 'cancelled', at: number, sendAt: number }) {
  return {
    topic,
    partition,
    key: m.id,
    value: Buffer.from(JSON.stringify({ state: m.state, at: m.at, send_at: m.sendAt })),
    headers: { [SCHED_HEADER.state]: m.state, [SCHED_HEADER.sendAt]: String(m.sendAt) }
  }
}

/** What a record of the pending topic is about, without copying its value (scans read every record). */
export function peekPendingRecord (m: { key: Buffer | null, value: Buffer | null, headers?: IHeaders }): { id: string, state: PendingState | 'gone' | undefined, sendAt: number } | undefined {
  const id = m.key?.toString('utf8')
  if (id === undefined) return undefined
  if (m.value === null) return { id, state: 'gone', sendAt: NaN }
  const state = str(m.headers?.[SCHED_HEADER.state])
  return { id, state: state === 'pending' || state === 'released' || state === 'cancelled' ? state : undefined, sendAt: Number(str(m.headers?.[SCHED_HEADER.sendAt])) }
}

/** Reads a record of the pending topic. */
export function readPendingRecord (m: { key: Buffer | null, value: Buffer | null, headers?: IHeaders, offset: string }): PendingRecord | undefined {
  const peek = peekPendingRecord(m)
  if (!peek) return undefined
  const { id, state, sendAt } = peek
  const offset = BigInt(m.offset)
  if (state === 'gone' || m.value === null) return { state: 'gone', id, offset }
  if (state === 'pending') return { state, offset, entry: toPendingEntry(m, id, sendAt) }
  if (state === 'released' || state === 'cancelled') {
    let at = 0
    try { at = Number((JSON.parse(m.value.toString('utf8')) as { at?: number }).at ?? 0) } catch { /* an unreadable marker still counts */ }
    return { state, id, at, sendAt, offset }
  }
  return undefined
}

/** The entry of a pending record (value and headers copied: a kept slice would keep its whole fetch response). */
export function toPendingEntry (m: { value: Buffer | null, headers?: IHeaders }, id: string, sendAt: number): PendingEntry {
  return { id, sendAt, key: str(m.headers?.[SCHED_HEADER.key]) ?? null, value: Buffer.from(m.value ?? Buffer.alloc(0)), headers: ownHeaders(m.headers), source: str(m.headers?.[SCHED_HEADER.source]) ?? '' }
}

/** What a scheduled record asks for. */
export type Intake =
  | { kind: 'cancel', id: string }
  | { kind: 'request', id: string, sendAt: number | null, request: Pick<OutboundRequest, 'phone_number_id' | 'to' | 'metadata' | 'created_at'> | undefined }

function looksLikeJson (value: Buffer, contentType: string | undefined): boolean {
  if (contentType !== undefined) return contentType.startsWith('application/json')
  return value.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) === 0x7b
}

/**
 * Reads what the scheduler needs of a scheduled record: its request id (or `<topic>:<partition>:<offset>`),
 * send_at and the fields a result names. A record it cannot read is released at once (sendAt null):
 * egress then answers it with a failed result naming the problem, as for any bad request.
 */
export async function readIntake (codec: Codec, m: { key: Buffer | null, value: Buffer | null, headers?: IHeaders, offset: string }, source: { topic: string, partition: number }): Promise<Intake> {
  const fallbackId = `${source.topic}:${source.partition}:${m.offset}`
  if (str(m.headers?.[SCHED_HEADER.command]) === 'cancel') return { kind: 'cancel', id: m.key?.toString('utf8') ?? '' }
  if (m.value === null || m.value.length === 0) return { kind: 'request', id: fallbackId, sendAt: null, request: undefined }
  try {
    if (looksLikeJson(m.value, str(m.headers?.['content-type']))) {
      const json = JSON.parse(m.value.toString('utf8')) as Record<string, unknown>
      const sendAt = typeof json.send_at === 'string' ? Date.parse(json.send_at) : NaN
      const metadata = typeof json.metadata === 'object' && json.metadata !== null ? json.metadata as Record<string, string> : {}
      return {
        kind: 'request',
        id: typeof json.request_id === 'string' && json.request_id.length > 0 ? json.request_id : fallbackId,
        sendAt: Number.isFinite(sendAt) ? sendAt : null,
        request: { phone_number_id: String(json.phone_number_id ?? ''), to: String(json.to ?? ''), metadata, created_at: typeof json.created_at === 'string' ? Date.parse(json.created_at) || null : null }
      }
    }
    const { value } = await codec.deserialize(m.value, 'OutboundRequest')
    return { kind: 'request', id: value.request_id ?? fallbackId, sendAt: value.send_at ?? null, request: value }
  } catch {
    return { kind: 'request', id: fallbackId, sendAt: null, request: undefined }
  }
}

/** A result the scheduler decides itself: cancelled, or failed because send_at is too far ahead. */
export function schedulerResult (input: {
  id: string
  request: Pick<OutboundRequest, 'phone_number_id' | 'to' | 'metadata' | 'created_at'>
  status: 'cancelled' | 'failed'
  reason: string
  now: number
  sourceTopic: string
  source: string
}): OutboundResult {
  const [partition, offset] = input.source.split(':')
  return {
    request_id: input.id,
    phone_number_id: input.request.phone_number_id,
    to: input.request.to,
    status: input.status,
    wamid: null,
    wa_id: null,
    message_status: null,
    error: input.status === 'failed' ? { code: null, subcode: null, message: input.reason, details: null, class: 'permanent', fbtrace_id: null } : null,
    attempts: 0,
    requested_at: input.request.created_at,
    first_attempt_at: null,
    completed_at: input.now,
    metadata: { ...input.request.metadata },
    business_usage_json: null,
    app_usage_json: null,
    source_topic: input.sourceTopic,
    source_partition: Number(partition ?? 0),
    source_offset: offset ?? '0',
    reason: input.reason,
    settlement: null
  }
}

/** Why a send_at is refused, or undefined. */
export function tooFarAhead (sendAt: number, now: number): string | undefined {
  if (sendAt - now <= MAX_SEND_AHEAD_MS) return undefined
  return `send_at ${new Date(sendAt).toISOString()} is more than 365 days ahead (the latest allowed is ${new Date(now + MAX_SEND_AHEAD_MS).toISOString()}): not scheduled`
}
