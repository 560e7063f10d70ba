/** `x-app-usage`: integer percentages of the app's rate limit. */
export interface AppUsage {
  callCount: number
  totalCputime: number
  totalTime: number
}

/** One entry of `x-business-use-case-usage` (percentages; the regain time is in minutes). */
export interface BusinessUseCaseUsage {
  /** The WABA or business id the entry is for. */
  id: string
  type: string
  callCount: number
  totalCputime: number
  totalTime: number
  estimatedTimeToRegainAccess: number
}

/** Usage reported by Meta on a response; absent or malformed headers give empty values, never errors. */
export interface GraphUsage {
  appUsage?: AppUsage
  businessUseCaseUsage: BusinessUseCaseUsage[]
  /** Highest percentage of any counter above (0 when none was reported). */
  maxPercent: number
}

type HeaderValue = string | string[] | undefined

function toNumber (value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
  return Number.isFinite(n) ? n : 0
}

function parseJson (value: HeaderValue): unknown {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text.trim() === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Usage by header texts, bounded. Meta's percentages are integers that move slowly, so the same
 * texts come back again and again for each business; a full cache is emptied and refilled.
 */
const parsed = new Map<string, GraphUsage>()
const MAX_CACHED = 1024

/**
 * Parses Meta's `x-app-usage` and `x-business-use-case-usage` response headers (header names in
 * lower case, as undici gives them). Unknown fields are ignored; non-numeric counters count as 0.
 * The result is frozen: header texts seen recently give the same object, unparsed.
 */
export function parseUsageHeaders (headers: Record<string, HeaderValue>): GraphUsage {
  const appText = headers['x-app-usage']
  const bucText = headers['x-business-use-case-usage']
  if (typeof appText === 'object' || typeof bucText === 'object') return deepFreeze(parseUsage(appText, bucText))
  const key = `${appText ?? ''}\u0000${bucText ?? ''}`
  let usage = parsed.get(key)
  if (usage) return usage
  usage = deepFreeze(parseUsage(appText, bucText))
  if (parsed.size >= MAX_CACHED) parsed.clear()
  parsed.set(key, usage)
  return usage
}

function deepFreeze (usage: GraphUsage): GraphUsage {
  if (usage.appUsage) Object.freeze(usage.appUsage)
  for (const entry of usage.businessUseCaseUsage) Object.freeze(entry)
  Object.freeze(usage.businessUseCaseUsage)
  return Object.freeze(usage)
}

function parseUsage (appText: HeaderValue, bucText: HeaderValue): GraphUsage {
  const app = parseJson(appText)
  const appUsage = isObject(app)
    ? { callCount: toNumber(app.call_count), totalCputime: toNumber(app.total_cputime), totalTime: toNumber(app.total_time) }
    : undefined

  const businessUseCaseUsage: BusinessUseCaseUsage[] = []
  const buc = parseJson(bucText)
  if (isObject(buc)) {
    for (const [id, entries] of Object.entries(buc)) {
      if (!Array.isArray(entries)) continue
      for (const e of entries) {
        if (!isObject(e)) continue
        businessUseCaseUsage.push({
          id,
          type: typeof e.type === 'string' ? e.type : 'unknown',
          callCount: toNumber(e.call_count),
          totalCputime: toNumber(e.total_cputime),
          totalTime: toNumber(e.total_time),
          estimatedTimeToRegainAccess: toNumber(e.estimated_time_to_regain_access)
        })
      }
    }
  }

  const percents = [
    ...(appUsage ? [appUsage.callCount, appUsage.totalCputime, appUsage.totalTime] : []),
    ...businessUseCaseUsage.flatMap((u) => [u.callCount, u.totalCputime, u.totalTime])
  ]
  const maxPercent = percents.length > 0 ? Math.max(...percents) : 0
  return appUsage ? { appUsage, businessUseCaseUsage, maxPercent } : { businessUseCaseUsage, maxPercent }
}
