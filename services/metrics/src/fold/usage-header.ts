export interface BusinessUsage {
  /** Highest of call_count, total_cputime and total_time over every entry: percent of the limit. */
  pct: number
  /** The business or WABA ids the header reported on. */
  ids: string[]
}

const FIELDS = ['call_count', 'total_cputime', 'total_time'] as const

/**
 * Reads an `x-business-use-case-usage` header value:
 * `{"<id>":[{"type":"whatsapp","call_count":12,"total_cputime":3,"total_time":4,…}]}`.
 * Undefined when absent or not in that shape.
 */
export function parseBusinessUsage (json: string | null): BusinessUsage | undefined {
  if (!json) return undefined
  let parsed: unknown
  try { parsed = JSON.parse(json) } catch { return undefined }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
  let pct = -1
  const ids: string[] = []
  for (const [id, entries] of Object.entries(parsed)) {
    if (!Array.isArray(entries)) continue
    ids.push(id)
    for (const entry of entries) {
      if (!entry || typeof entry !== 'object') continue
      for (const field of FIELDS) {
        const v = (entry as Record<string, unknown>)[field]
        if (typeof v === 'number' && Number.isFinite(v) && v > pct) pct = v
      }
    }
  }
  return pct < 0 ? undefined : { pct, ids }
}
