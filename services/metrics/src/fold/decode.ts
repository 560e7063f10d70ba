import { detectWireFormat, type Codec, type DecodedRecord, type SchemaName } from '@wabridge/schemas'
import type { NumberInfo } from '../alerts/context.ts'
import type { Source } from '../state/keys.ts'
import type { TpTable } from '../state/table.ts'

/** What each input topic carries. */
export const SOURCE_SCHEMAS: Record<Source, SchemaName> = { m: 'InboundMessage', s: 'InboundStatus', e: 'InboundEvent', r: 'OutboundResult' }

/**
 * Decodes an input record of either wire format; undefined when it is not a readable record of the
 * topic's schema. Synchronous for wabridge's own single-object encoding (no promise per record on
 * the hot path); a promise only for the Confluent format, whose schema may need the registry.
 */
export function decodeRecord (codec: Codec, source: Source, value: Buffer | null): DecodedRecord | undefined | Promise<DecodedRecord | undefined> {
  if (!value) return undefined
  try {
    const expected = SOURCE_SCHEMAS[source]
    if (detectWireFormat(value) === 'confluent') return codec.deserialize(value, expected).catch(() => undefined)
    return codec.decode(value, expected)
  } catch {
    return undefined
  }
}

/** The event time a record is folded at, epoch ms. */
export function timeOf (record: DecodedRecord): number | undefined {
  switch (record.schema) {
    case 'InboundMessage':
    case 'InboundStatus': return record.value.meta_timestamp || record.value.received_at
    case 'InboundEvent': return record.value.meta_timestamp ?? record.value.received_at
    case 'OutboundResult': return record.value.completed_at
    default: return undefined
  }
}

/** WABA and display number of a phone number as a table learned them, when it knows the WABA. */
export function numberInfoOf (table: TpTable, phoneNumberId: string): NumberInfo | undefined {
  const raw = table.props.get(`n|${phoneNumberId}`)
  if (raw === undefined || raw.startsWith('|')) return undefined
  const bar = raw.indexOf('|')
  return { wabaId: raw.slice(0, bar), display: raw.slice(bar + 1) }
}
