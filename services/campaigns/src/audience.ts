import { parse as parseCsv } from 'csv-parse/sync'
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max'
import type { CampaignRecipient } from '@wabridge/schemas'

/** A refused audience row: its line number in the file (1 = first line) and why. */
export interface InvalidRow {
  line: number
  reason: string
}

/** An audience after normalisation and deduplication. */
export interface ParsedAudience {
  recipients: CampaignRecipient[]
  invalid: InvalidRow[]
  /** Rows dropped because an earlier row had the same number. */
  duplicates: number
  /** Data rows read (header excluded). */
  rows: number
}

export type AudienceFormat = 'csv' | 'ndjson'

/** Column or field names that hold the recipient's number, in order of preference. */
const PHONE_FIELDS = ['to', 'phone', 'phone_number', 'wa_id', 'number', 'msisdn'] as const

/**
 * The E.164 form (+ and digits) of a number as people write it, or the reason it is not one.
 * National numbers need `defaultRegion`; digits without + and without a region are read as
 * international (a wa_id). Validity is libphonenumber's full metadata check, not only the length.
 */
export function normalizeNumber (text: string, defaultRegion?: string): { e164: string, country: string | undefined } | { reason: string } {
  const trimmed = text.trim()
  if (trimmed === '') return { reason: 'no phone number' }
  const region = defaultRegion as CountryCode | undefined
  const international = /^\+|^00/.test(trimmed) || region === undefined
  const candidate = international && !trimmed.startsWith('+') ? `+${trimmed.replace(/^00/, '')}` : trimmed
  const parsed = parsePhoneNumberFromString(candidate, international ? undefined : { defaultCountry: region })
  if (!parsed) return { reason: `'${trimmed}' is not a phone number${region || !/\d{6}/.test(trimmed) ? '' : ' (a national number needs a default region)'}` }
  if (!parsed.isValid()) return { reason: `'${trimmed}' is not a valid number${parsed.country ? ` for ${parsed.country}` : ''}` }
  return { e164: parsed.number, country: parsed.country }
}

/** The country (ISO 3166 alpha-2) of an E.164 number, when it has one. */
export function countryOf (e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country
}

function toParams (fields: Record<string, unknown>, phoneField: string): Record<string, string> {
  const params: Record<string, string> = {}
  const nested = fields.params ?? fields.parameters
  const flat = { ...fields, ...(typeof nested === 'object' && nested !== null && !Array.isArray(nested) ? nested as Record<string, unknown> : {}) }
  for (const [k, v] of Object.entries(flat)) {
    if (k === phoneField || k === 'params' || k === 'parameters') continue
    if (typeof v === 'string') params[k] = v
    else if (typeof v === 'number' || typeof v === 'boolean') params[k] = String(v)
  }
  return params
}

/** Collects rows into a deduplicated audience; the first row of a number wins. */
export function createAudienceBuilder (options: { defaultRegion?: string | undefined }) {
  const seen = new Set<string>()
  const out: ParsedAudience = { recipients: [], invalid: [], duplicates: 0, rows: 0 }
  return {
    /** One data row: its fields (the number under one of PHONE_FIELDS, the rest are parameters). */
    add (line: number, fields: Record<string, unknown>): void {
      out.rows++
      const phoneField = PHONE_FIELDS.find((f) => fields[f] !== undefined && fields[f] !== null && fields[f] !== '')
      if (!phoneField) {
        out.invalid.push({ line, reason: `no phone number (a column or field named ${PHONE_FIELDS.join(', ')})` })
        return
      }
      const n = normalizeNumber(String(fields[phoneField]), options.defaultRegion)
      if ('reason' in n) {
        out.invalid.push({ line, reason: n.reason })
        return
      }
      if (seen.has(n.e164)) {
        out.duplicates++
        return
      }
      seen.add(n.e164)
      out.recipients.push({ to: n.e164, params: toParams(fields, phoneField) })
    },
    invalid (line: number, reason: string): void {
      out.rows++
      out.invalid.push({ line, reason })
    },
    result: (): ParsedAudience => out
  }
}

/** Parses a CSV audience (a header row naming the columns; the number in `to`, `phone`, …). */
function addCsv (builder: ReturnType<typeof createAudienceBuilder>, text: string): void {
  const rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true, info: true }) as Array<{ record: Record<string, string>, info: { lines: number } }>
  for (const { record, info } of rows) builder.add(info.lines, record)
}

/** Parses an NDJSON audience: one JSON object per line ({"to": "+39…", "name": "Ann"} or {"to": …, "params": {…}}). */
function addNdjson (builder: ReturnType<typeof createAudienceBuilder>, text: string): void {
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      builder.invalid(i + 1, `not JSON: ${(err as Error).message}`)
      continue
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) builder.invalid(i + 1, 'not a JSON object')
    else builder.add(i + 1, value as Record<string, unknown>)
  }
}

/** Parses a whole CSV or NDJSON audience: invalid rows are reported by line, the rest is kept. */
export function parseAudience (text: string, format: AudienceFormat, options: { defaultRegion?: string | undefined } = {}): ParsedAudience {
  const builder = createAudienceBuilder(options)
  if (format === 'csv') addCsv(builder, text)
  else addNdjson(builder, text)
  return builder.result()
}

/** Parses inline recipients (JSON objects, numbered from 1 in the order given). */
export function parseAudienceRecords (records: ReadonlyArray<Record<string, unknown>>, options: { defaultRegion?: string | undefined } = {}): ParsedAudience {
  const builder = createAudienceBuilder(options)
  records.forEach((r, i) => builder.add(i + 1, r))
  return builder.result()
}
