import { countryOfNumber, createRateCardStore, EXAMPLE_RATE_CARD_DIR, fromMicros, priceCells, type RateCardStore, type UsageCell } from '@wabridge/pricing'
import { checkBusinessToken } from './business-nodes.ts'
import { invalidParameter } from './meta-errors.ts'
import type { SimContext } from './sim-context.ts'
import type { WebhookEvent } from './webhook-envelope.ts'

/** One message with pricing, as the sim's status webhooks told it (the first status carrying pricing). */
export interface PricedMessage {
  /** The status' `timestamp`, unix seconds. */
  t: number
  phoneNumberId: string
  wabaId: string
  displayPhoneNumber: string
  country: string
  category: string
  type: string
}

/**
 * The sim's record of messages with pricing, for `pricing_analytics`: a message enters once, at
 * the first status webhook that carries its `pricing` (the `sent` one), as the gateway counts it.
 */
export interface PricingLedger {
  /** Notes a webhook event the sim sends; other events than priced statuses are ignored. */
  note (event: WebhookEvent): void
  messages (): readonly PricedMessage[]
  /** The rate cards `cost` is computed with. */
  cards: RateCardStore
  reset (): void
}

export function createPricingLedger (rateCardDir: string = EXAMPLE_RATE_CARD_DIR): PricingLedger {
  const seen = new Set<string>()
  let messages: PricedMessage[] = []
  return {
    note (event) {
      if (event.kind !== 'statuses') return
      const item = event.item as { id?: string, timestamp?: string, recipient_id?: string, pricing?: { category?: string, type?: string } }
      if (!item.pricing?.category || typeof item.id !== 'string' || seen.has(item.id)) return
      seen.add(item.id)
      messages.push({
        t: Number(item.timestamp),
        phoneNumberId: event.phone.id,
        wabaId: event.phone.wabaId,
        displayPhoneNumber: event.phone.displayPhoneNumber,
        country: countryOfNumber(item.recipient_id ?? ''),
        category: item.pricing.category.toLowerCase(),
        type: (item.pricing.type ?? '').toLowerCase()
      })
    },
    messages: () => messages,
    cards: createRateCardStore(rateCardDir),
    reset () { seen.clear(); messages = [] }
  }
}

const GRANULARITIES = ['HALF_HOUR', 'DAILY', 'MONTHLY'] as const
const DIMENSIONS = ['COUNTRY', 'PHONE', 'PRICING_CATEGORY', 'PRICING_TYPE', 'TIER'] as const
const METRIC_TYPES = ['COST', 'VOLUME'] as const

/** Bucket start (unix seconds, UTC) of `t` at a granularity, and the next bucket's start. */
function bucketOf (granularity: typeof GRANULARITIES[number], t: number): { start: number, end: number } {
  if (granularity === 'HALF_HOUR') { const start = t - (t % 1800); return { start, end: start + 1800 } }
  if (granularity === 'DAILY') { const start = t - (t % 86_400); return { start, end: start + 86_400 } }
  const d = new Date(t * 1000)
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000, end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000 }
}

/** `.name(args)` modifiers of a field expression; list arguments as Meta takes them (`["A","B"]`). */
function parseModifiers (expr: string): Map<string, string> | undefined {
  const rest = expr.slice('pricing_analytics'.length)
  const out = new Map<string, string>()
  const re = /\.(\w+)\(([^()]*)\)/gy
  let m: RegExpExecArray | null
  let last = 0
  while ((m = re.exec(rest)) !== null) { out.set(m[1]!, m[2]!); last = re.lastIndex }
  re.lastIndex = last
  // Other fields may follow after a comma (`pricing_analytics.start(…)…,id`).
  const end = re.lastIndex
  return end === rest.length || rest[end] === ',' ? out : undefined
}

const listOf = (text: string | undefined): string[] | undefined => text === undefined
  ? undefined
  : text.trim().replace(/^\[(.*)\]$/s, '$1').split(',').map((x) => x.trim().replace(/^"(.*)"$/, '$1')).filter((x) => x !== '')

/**
 * `GET /{version}/{WABA_ID}?fields=pricing_analytics.start(…).end(…).granularity(…)[.dimensions(…)][.metric_types(…)][filters]`
 * from the ledger: `{ pricing_analytics: { data: [{ data_points }] }, id }`. Volume tiers count over
 * every WABA of the portfolio from the month's start (the same pure pricing as the gateway's usage
 * API). Undefined unless the fields ask for pricing_analytics of a WABA the sim knows.
 */
export function pricingAnalyticsReply (ctx: SimContext, ledger: PricingLedger, wabaId: string, fields: string | undefined, authorization: string | undefined): { statusCode: number, body: unknown } | undefined {
  if (fields === undefined || !fields.startsWith('pricing_analytics') || !ctx.limits.isWaba(wabaId)) return undefined
  const tokenError = checkBusinessToken(ctx, authorization, [wabaId])
  if (tokenError) return tokenError
  const bad = (details: string) => { const r = invalidParameter(details); return { statusCode: r.statusCode, body: r.body } }
  const mods = parseModifiers(fields)
  if (!mods) return bad('pricing_analytics: malformed field expression')
  for (const name of mods.keys()) {
    if (!['start', 'end', 'granularity', 'dimensions', 'metric_types', 'phone_numbers', 'country_codes', 'pricing_types', 'pricing_categories'].includes(name)) return bad(`pricing_analytics: unknown modifier ${name}`)
  }
  const start = Number(mods.get('start'))
  const end = Number(mods.get('end'))
  const granularity = mods.get('granularity') as typeof GRANULARITIES[number] | undefined
  if (!Number.isInteger(start) || !Number.isInteger(end) || end <= start) return bad('pricing_analytics: start and end must be unix seconds, end after start')
  if (granularity === undefined || !GRANULARITIES.includes(granularity)) return bad(`pricing_analytics: granularity must be one of ${GRANULARITIES.join(', ')}`)
  const dimensions = listOf(mods.get('dimensions'))?.map((d) => d.toUpperCase()) ?? []
  const metricTypes = listOf(mods.get('metric_types'))?.map((d) => d.toUpperCase()) ?? [...METRIC_TYPES]
  if (dimensions.some((d) => !(DIMENSIONS as readonly string[]).includes(d))) return bad(`pricing_analytics: dimensions must be among ${DIMENSIONS.join(', ')}`)
  if (metricTypes.some((d) => !(METRIC_TYPES as readonly string[]).includes(d))) return bad(`pricing_analytics: metric_types must be among ${METRIC_TYPES.join(', ')}`)
  const phoneNumbers = listOf(mods.get('phone_numbers'))
  const countryCodes = listOf(mods.get('country_codes'))?.map((c) => c.toUpperCase())
  const pricingTypes = listOf(mods.get('pricing_types'))?.map((c) => c.toUpperCase())
  const pricingCategories = listOf(mods.get('pricing_categories'))?.map((c) => c.toUpperCase())

  const portfolio = ctx.limits.portfolioOf(wabaId)
  const from = bucketOf('MONTHLY', bucketOf(granularity, start).start).start
  const cells = new Map<string, UsageCell & { wanted: boolean, wabaId: string, display: string }>()
  for (const m of ledger.messages()) {
    if (m.t < from || m.t >= end || ctx.limits.portfolioOf(m.wabaId) !== portfolio) continue
    const bucket = bucketOf(granularity, m.t)
    const key = [bucket.start, m.phoneNumberId, m.country, m.category, m.type].join('|')
    let cell = cells.get(key)
    if (!cell) {
      cells.set(key, cell = {
        ...bucket,
        phoneNumberId: m.phoneNumberId,
        portfolio,
        country: m.country,
        category: m.category,
        type: m.type,
        volume: 0,
        wanted: bucket.end > start && m.wabaId === wabaId,
        wabaId: m.wabaId,
        display: m.displayPhoneNumber
      })
    }
    cell.volume++
  }
  const toMeta = (s: string) => s.toUpperCase().replaceAll('-', '_')
  const points = new Map<string, Record<string, unknown> & { start: number, volume: number, micros: number }>()
  for (const cell of priceCells([...cells.values()], ledger.cards.current())) {
    const type = toMeta(cell.type)
    const category = toMeta(cell.category)
    if (!cell.wanted || (phoneNumbers && !phoneNumbers.includes(cell.display)) || (countryCodes && !countryCodes.includes(cell.country)) ||
      (pricingTypes && !pricingTypes.includes(type)) || (pricingCategories && !pricingCategories.includes(category))) continue
    const shares = dimensions.includes('TIER') && cell.bands.length > 0 ? cell.bands : [{ tier: undefined, volume: cell.volume, costMicros: cell.costMicros }]
    for (const share of shares) {
      const point: Record<string, unknown> & { start: number } = { start: cell.start, end: cell.end }
      if (dimensions.includes('COUNTRY')) point.country = cell.country
      if (dimensions.includes('PHONE')) point.phone_number = cell.display
      if (share.tier !== undefined) point.tier = share.tier
      if (dimensions.includes('PRICING_TYPE')) point.pricing_type = type
      if (dimensions.includes('PRICING_CATEGORY')) point.pricing_category = category
      const key = JSON.stringify(point)
      let acc = points.get(key)
      if (!acc) points.set(key, acc = { ...point, volume: 0, micros: 0 })
      acc.volume += share.volume
      acc.micros += share.costMicros
    }
  }
  const dataPoints = [...points.values()].sort((a, b) => a.start - b.start).map(({ micros, volume, ...point }) => ({
    ...point,
    ...(metricTypes.includes('VOLUME') ? { volume } : {}),
    ...(metricTypes.includes('COST') ? { cost: fromMicros(micros) } : {})
  }))
  return { statusCode: 200, body: { pricing_analytics: { data: [{ data_points: dataPoints }] }, id: wabaId } }
}
