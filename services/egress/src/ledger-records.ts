import type { IHeaders } from 'kafkajs'
import { fromKafkaHeaders, toKafkaHeaders, type OutgoingRecord } from '@wabridge/kafka'
import { contentTypeFor, RESULT_STATUSES, type Codec, type OutboundResult, type ResultStatus } from '@wabridge/schemas'
import type { LedgerEvent } from './ledger.ts'

/** Headers of attempts-topic records (besides event-id = request id). */
export const LEDGER_HEADERS = {
  kind: 'ledger-kind',
  state: 'attempt-state',
  attempt: 'attempt',
  instance: 'instance',
  sourceOffset: 'source-offset',
  status: 'result-status',
  epoch: 'owner-epoch',
  held: 'attempts-held'
} as const

/** The attempts-topic record of a ledger event. An unknown final carries the whole result (Avro), for its later settlement. */
export async function ledgerRecord (codec: Codec, topic: string, partition: number, key: string, event: LedgerEvent): Promise<OutgoingRecord> {
  const extra: Record<string, string> = { [LEDGER_HEADERS.kind]: event.kind, [LEDGER_HEADERS.instance]: event.instance }
  let value: Buffer | string = ''
  let contentType = 'application/json'
  switch (event.kind) {
    case 'attempt':
      extra[LEDGER_HEADERS.state] = event.state
      extra[LEDGER_HEADERS.attempt] = String(event.attempt)
      extra[LEDGER_HEADERS.sourceOffset] = event.sourceOffset
      if (event.held !== undefined) extra[LEDGER_HEADERS.held] = String(event.held)
      value = JSON.stringify({ request_id: event.requestId, attempt: event.attempt, state: event.state, instance: event.instance })
      break
    case 'final':
      extra[LEDGER_HEADERS.status] = event.status
      extra[LEDGER_HEADERS.sourceOffset] = event.sourceOffset
      if (event.unknown) {
        value = await codec.serialize(topic, 'OutboundResult', event.unknown)
        contentType = contentTypeFor('OutboundResult')
      } else {
        value = JSON.stringify({ request_id: event.requestId, status: event.status, instance: event.instance })
      }
      break
    case 'settled':
      extra[LEDGER_HEADERS.sourceOffset] = event.sourceOffset
      value = JSON.stringify({ request_id: event.requestId, settled: true, instance: event.instance })
      break
    case 'forwarded':
      extra[LEDGER_HEADERS.sourceOffset] = event.sourceOffset
      value = JSON.stringify({ request_id: event.requestId, forwarded: true, instance: event.instance })
      break
    case 'owner':
      extra[LEDGER_HEADERS.epoch] = event.epoch
      value = JSON.stringify({ owner: event.instance, epoch: event.epoch })
      break
  }
  const eventId = event.kind === 'owner' ? `owner:${event.instance}:${event.epoch}` : event.requestId
  return { topic, partition, key, value, headers: toKafkaHeaders({ eventId, contentType, extra }) }
}

/**
 * The ledger event of an attempts-topic record, or undefined for a record that is not one (a
 * marker written by an egress before ledger kinds existed is read as an attempt without source offset).
 */
export async function readLedgerRecord (codec: Codec, headers: IHeaders | undefined, value: Buffer | null): Promise<LedgerEvent | undefined> {
  const h = fromKafkaHeaders(headers)
  const extra = h.extra ?? {}
  const kind = extra[LEDGER_HEADERS.kind] ?? 'attempt'
  const instance = extra[LEDGER_HEADERS.instance] ?? 'unknown'
  if (kind === 'owner') return { kind, instance, epoch: extra[LEDGER_HEADERS.epoch] ?? '' }
  if (!h.eventId) return undefined
  const sourceOffset = extra[LEDGER_HEADERS.sourceOffset] ?? '-1'
  if (kind === 'attempt') {
    const state = extra[LEDGER_HEADERS.state]
    const attempt = Number(extra[LEDGER_HEADERS.attempt])
    if ((state !== 'started' && state !== 'not-sent') || !Number.isInteger(attempt)) return undefined
    const held = Number(extra[LEDGER_HEADERS.held])
    return { kind, requestId: h.eventId, sourceOffset, attempt, state, instance, ...(Number.isInteger(held) && held > 0 && { held }) }
  }
  if (kind === 'final') {
    const status = extra[LEDGER_HEADERS.status] as ResultStatus
    if (!RESULT_STATUSES.includes(status)) return undefined
    let unknown: OutboundResult | undefined
    if (status === 'unknown' && value && value.length > 0 && h.contentType === contentTypeFor('OutboundResult')) {
      unknown = (await codec.deserialize(value, 'OutboundResult')).value as OutboundResult
    }
    return { kind, requestId: h.eventId, sourceOffset, status, instance, ...(unknown && { unknown }) }
  }
  if (kind === 'settled' || kind === 'forwarded') return { kind, requestId: h.eventId, sourceOffset, instance }
  return undefined
}
