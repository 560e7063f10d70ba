import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'csv-parse/sync'
import { OTHER_MARKET } from './markets.ts'

/**
 * Rate cards from CSV files (README.md "Rate card files" is the format). Rates are held as
 * integer millionths of the card's currency (micros), so sums of costs are exact.
 */

/** The example card shipped with this package (example figures, not Meta's). */
export const EXAMPLE_RATE_CARD_DIR = fileURLToPath(new URL('../rate-cards/example', import.meta.url))

/** The categories that have volume tiers (Meta: utility and authentication). */
export const TIERED_CATEGORIES = ['utility', 'authentication'] as const
export type TieredCategory = typeof TIERED_CATEGORIES[number]

/** One volume band: the `from`-th to the `to`-th charged message of a month (inclusive; `to` undefined = no end). */
export interface TierBand {
  from: number
  to: number | undefined
  micros: number
}

export interface MarketRates {
  marketing: number
  utility: number
  authentication: number
  /** Undefined where the market has no international authentication rate (authentication applies). */
  authenticationInternational: number | undefined
  service: number
  /** Bands by tiered category; empty when the market has none (its flat rate applies). */
  tiers: Record<TieredCategory, TierBand[]>
}

export interface RateCard {
  /** `YYYY-MM-DD`, the name of the card's directory. */
  effectiveFrom: string
  /** UTC midnight of effectiveFrom, epoch ms. */
  effectiveFromMs: number
  currency: string
  markets: ReadonlyMap<string, MarketRates>
  /** ISO 3166-1 alpha-2 → market; countries not listed are "Other". */
  countries: ReadonlyMap<string, string>
}

/** Every card of a directory, oldest first; all in one currency. */
export interface RateCardSet {
  currency: string
  cards: readonly RateCard[]
}

/** A file that cannot be used: which file, which line (1-based; 0 when the whole file is at fault). */
export class RateCardError extends Error {
  readonly file: string
  readonly line: number
  constructor (file: string, line: number, message: string) {
    super(`${file}${line > 0 ? `:${line}` : ''}: ${message}`)
    this.name = 'RateCardError'
    this.file = file
    this.line = line
  }
}

const MICROS = 1_000_000
const DATE_DIR = /^\d{4}-\d{2}-\d{2}$/

/** '0.0147' → 14700 micros; undefined unless a non-negative decimal with at most 6 decimals. */
export function parseRate (text: string): number | undefined {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text)
  if (!m) return undefined
  const micros = Number(m[1]) * MICROS + Number((m[2] ?? '').padEnd(6, '0'))
  return Number.isSafeInteger(micros) ? micros : undefined
}

/** Micros back to a number of currency units (exact to 6 decimals). */
export function fromMicros (micros: number): number {
  return Math.round(micros) / MICROS
}

interface Row { line: number, get: (column: string) => string }

/** Parses a CSV file into rows with its line numbers; the header names the columns (case-insensitive). */
function readRows (file: string, text: string, required: readonly string[]): Row[] {
  let records: Array<{ record: string[], info: { lines: number } }>
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true, bom: true, comment: '#', comment_no_infix: true, relax_column_count: false }) as unknown as typeof records
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 0
    throw new RateCardError(file, line, `not CSV: ${(err as Error).message}`)
  }
  const [header, ...body] = records
  if (!header) throw new RateCardError(file, 0, `empty; expected the header ${required.join(',')}`)
  const names = header.record.map((h) => h.toLowerCase())
  const index = new Map<string, number>()
  for (const column of required) {
    const i = names.indexOf(column.toLowerCase())
    if (i < 0) throw new RateCardError(file, header.info.lines, `missing column '${column}'; expected the header ${required.join(',')}`)
    index.set(column, i)
  }
  return body.map(({ record, info }) => ({ line: info.lines, get: (column: string) => record[index.get(column)!] ?? '' }))
}

const RATE_COLUMNS = ['Market', 'Currency', 'Marketing', 'Utility', 'Authentication', 'Authentication-International', 'Service'] as const
const TIER_COLUMNS = ['Market', 'Currency', 'Category', 'Volume from', 'Volume to', 'Rate'] as const
const COUNTRY_COLUMNS = ['Country', 'Market'] as const

function rate (file: string, row: Row, column: string, optional = false): number | undefined {
  const text = row.get(column)
  if (optional && text === '') return undefined
  const micros = parseRate(text)
  if (micros === undefined) throw new RateCardError(file, row.line, `${column}: '${text}' is not a rate (a non-negative decimal, at most 6 decimals)`)
  return micros
}

/**
 * Parses one card from its three files' texts. Throws RateCardError naming the file and line of
 * the first bad row; nothing of a bad card is used.
 */
export function parseRateCard (effectiveFrom: string, files: { rates: { name: string, text: string }, tiers: { name: string, text: string }, countries: { name: string, text: string } }): RateCard {
  const effectiveFromMs = Date.parse(`${effectiveFrom}T00:00:00Z`)
  if (!DATE_DIR.test(effectiveFrom) || !Number.isFinite(effectiveFromMs)) throw new RateCardError(effectiveFrom, 0, 'the card directory must be named by its effective date, YYYY-MM-DD')
  let currency: string | undefined
  const checkCurrency = (file: string, row: Row) => {
    const c = row.get('Currency').toUpperCase()
    if (!/^[A-Z]{3}$/.test(c)) throw new RateCardError(file, row.line, `Currency: '${row.get('Currency')}' is not an ISO 4217 code`)
    if (currency !== undefined && c !== currency) throw new RateCardError(file, row.line, `Currency: ${c}, but the card is in ${currency} (one currency per card)`)
    currency = c
  }

  const markets = new Map<string, MarketRates>()
  const ratesFile = files.rates.name
  for (const row of readRows(ratesFile, files.rates.text, RATE_COLUMNS)) {
    const market = row.get('Market')
    if (market === '') throw new RateCardError(ratesFile, row.line, 'Market: empty')
    if (markets.has(market)) throw new RateCardError(ratesFile, row.line, `Market: '${market}' is listed twice`)
    checkCurrency(ratesFile, row)
    markets.set(market, {
      marketing: rate(ratesFile, row, 'Marketing')!,
      utility: rate(ratesFile, row, 'Utility')!,
      authentication: rate(ratesFile, row, 'Authentication')!,
      authenticationInternational: rate(ratesFile, row, 'Authentication-International', true),
      service: rate(ratesFile, row, 'Service')!,
      tiers: { utility: [], authentication: [] }
    })
  }
  if (!markets.has(OTHER_MARKET)) throw new RateCardError(ratesFile, 0, `no '${OTHER_MARKET}' market (numbers of unlisted countries are priced there)`)

  const tiersFile = files.tiers.name
  const lastLine = new Map<string, number>()
  for (const row of readRows(tiersFile, files.tiers.text, TIER_COLUMNS)) {
    const market = markets.get(row.get('Market'))
    if (!market) throw new RateCardError(tiersFile, row.line, `Market: '${row.get('Market')}' is not in ${ratesFile}`)
    checkCurrency(tiersFile, row)
    const category = row.get('Category').toLowerCase() as TieredCategory
    if (!TIERED_CATEGORIES.includes(category)) throw new RateCardError(tiersFile, row.line, `Category: '${row.get('Category')}'; expected Utility or Authentication`)
    const fromText = row.get('Volume from')
    const toText = row.get('Volume to')
    if (!/^\d+$/.test(fromText)) throw new RateCardError(tiersFile, row.line, `Volume from: '${fromText}' is not a count`)
    if (toText !== '' && !/^\d+$/.test(toText)) throw new RateCardError(tiersFile, row.line, `Volume to: '${toText}' is not a count (empty: no upper end)`)
    const bands = market.tiers[category]
    const prev = bands.at(-1)
    const from = Number(fromText)
    const to = toText === '' ? undefined : Number(toText)
    if (prev === undefined && from > 1) throw new RateCardError(tiersFile, row.line, `Volume from: the first band of ${row.get('Market')} ${category} must start at 0 or 1`)
    if (prev !== undefined && (prev.to === undefined || from !== prev.to + 1)) {
      throw new RateCardError(tiersFile, row.line, `Volume from: ${from} does not follow the band before (${prev.from}–${prev.to ?? 'no end'}); bands must be contiguous, in order`)
    }
    if (to !== undefined && to < Math.max(from, 1)) throw new RateCardError(tiersFile, row.line, `Volume to: ${to} is below Volume from`)
    bands.push({ from, to, micros: rate(tiersFile, row, 'Rate')! })
    lastLine.set(`${row.get('Market')}|${category}`, row.line)
  }
  for (const [name, market] of markets) {
    for (const category of TIERED_CATEGORIES) {
      const last = market.tiers[category].at(-1)
      if (last && last.to !== undefined) throw new RateCardError(tiersFile, lastLine.get(`${name}|${category}`)!, `Volume to: the last band of ${name} ${category} must have no upper end (empty)`)
    }
  }

  const countries = new Map<string, string>()
  const countriesFile = files.countries.name
  for (const row of readRows(countriesFile, files.countries.text, COUNTRY_COLUMNS)) {
    const country = row.get('Country').toUpperCase()
    if (!/^[A-Z]{2}$/.test(country)) throw new RateCardError(countriesFile, row.line, `Country: '${row.get('Country')}' is not an ISO 3166-1 alpha-2 code`)
    if (countries.has(country)) throw new RateCardError(countriesFile, row.line, `Country: '${country}' is listed twice`)
    if (!markets.has(row.get('Market'))) throw new RateCardError(countriesFile, row.line, `Market: '${row.get('Market')}' is not in ${ratesFile}`)
    countries.set(country, row.get('Market'))
  }
  if (currency === undefined) throw new RateCardError(ratesFile, 0, 'no market rows')
  return { effectiveFrom, effectiveFromMs, currency, markets, countries }
}

/**
 * Reads every card of a directory: one subdirectory per card, named by its effective date
 * (`2026-10-01/`), holding `rates.csv`, `volume-tiers.csv` and `countries.csv`. Throws
 * RateCardError on the first bad file or row, or when cards disagree on the currency.
 */
export function loadRateCards (dir: string): RateCardSet {
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory()).sort()
  } catch (err) {
    throw new RateCardError(dir, 0, `cannot read the rate card directory: ${(err as Error).message}`)
  }
  if (names.length === 0) throw new RateCardError(dir, 0, 'no card: expected subdirectories named by effective date (YYYY-MM-DD)')
  const cards: RateCard[] = []
  for (const name of names) {
    const read = (file: string) => {
      const path = join(dir, name, file)
      try {
        return { name: path, text: readFileSync(path, 'utf8') }
      } catch (err) {
        throw new RateCardError(path, 0, `cannot read: ${(err as Error).message}`)
      }
    }
    const card = parseRateCard(name, { rates: read('rates.csv'), tiers: read('volume-tiers.csv'), countries: read('countries.csv') })
    if (cards[0] && card.currency !== cards[0].currency) {
      throw new RateCardError(join(dir, name, 'rates.csv'), 0, `currency ${card.currency}, but ${cards[0].effectiveFrom} is in ${cards[0].currency}: one currency per directory`)
    }
    cards.push(card)
  }
  return { currency: cards[0]!.currency, cards }
}

/**
 * The card effective at `tMs`: the latest whose effective date is not after it (Meta changes
 * rates at midnight in each WABA's timezone; cards here switch at UTC midnight). Times before the
 * oldest card are priced with the oldest card.
 */
export function cardAt (set: RateCardSet, tMs: number): RateCard {
  let found = set.cards[0]!
  for (const card of set.cards) {
    if (card.effectiveFromMs <= tMs) found = card
    else break
  }
  return found
}

export interface RateCardStore {
  /** The card set in use. */
  current (): RateCardSet
  /** Reads the directory again; on any error keeps the card set in use and returns the error. */
  reload (): { ok: true, set: RateCardSet } | { ok: false, error: RateCardError }
  /** Reloads when a file under the directory changes (debounced); returns a function that stops watching. */
  watch (onReload?: (result: ReturnType<RateCardStore['reload']>) => void, debounceMs?: number): () => void
}

/** Loads the directory now (throws when the first load fails: nothing to keep) and keeps it for reloads. */
export function createRateCardStore (dir: string): RateCardStore {
  let set = loadRateCards(dir)
  const store: RateCardStore = {
    current: () => set,
    reload () {
      try {
        set = loadRateCards(dir)
        return { ok: true, set }
      } catch (err) {
        if (err instanceof RateCardError) return { ok: false, error: err }
        throw err
      }
    },
    watch (onReload, debounceMs = 200) {
      let timer: NodeJS.Timeout | undefined
      let watcher: FSWatcher | undefined
      try {
        watcher = watch(dir, { recursive: true, persistent: false }, () => {
          clearTimeout(timer)
          timer = setTimeout(() => onReload?.(store.reload()), debounceMs)
          timer.unref()
        })
      } catch {
        return () => {}
      }
      return () => { clearTimeout(timer); watcher?.close() }
    }
  }
  return store
}
