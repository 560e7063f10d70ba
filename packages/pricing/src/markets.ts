import { parsePhoneNumberFromString } from 'libphonenumber-js/min'

/** The market of numbers whose country the card does not list (Meta's "Other"). */
export const OTHER_MARKET = 'Other'

/**
 * +1 area codes Meta prices as "Rest of Latin America" although they share the North American
 * calling code, with the country each belongs to: used when libphonenumber cannot validate the
 * number (it then cannot tell which +1 country it is).
 */
const SPLIT_NANP: Readonly<Record<string, string>> = { 809: 'DO', 829: 'DO', 849: 'DO', 658: 'JM', 876: 'JM', 787: 'PR', 939: 'PR' }

/**
 * The ISO 3166-1 alpha-2 country of a recipient's number (a wa_id, digits only, or E.164 with
 * '+'), as Meta's pricing_analytics COUNTRY dimension names it; '' when not even the calling code
 * is known. A +1 number gets its area code's country (NANP gives each area code to one country). Any
 * other number libphonenumber cannot validate gets the main country of its calling code (+44 → GB,
 * +7 → RU).
 */
export function countryOfNumber (number: string): string {
  const digits = number.replace(/\D/g, '')
  if (digits === '') return ''
  // +1: NANP assigns each area code to one country, so the country is the area code's (also for a
  // number libphonenumber cannot validate), found once per area code.
  if (digits.length === 11 && digits[0] === '1') {
    const area = digits.slice(1, 4)
    let country = nanpAreas.get(area)
    if (country === undefined) {
      country = SPLIT_NANP[area] ?? parseCountry(`1${area}2345678`)
      nanpAreas.set(area, country)
    }
    return country
  }
  // A pure function of the digits: remembering recent answers changes nothing but the time (a parse is ~6 µs;
  // customers get many messages).
  const known = memo.get(digits)
  if (known !== undefined) return known
  if (memo.size >= MEMO_MAX) memo.clear()
  const country = parseCountry(digits)
  memo.set(digits, country)
  return country
}

const MEMO_MAX = 50_000
const memo = new Map<string, string>()
/** Country of each +1 area code asked for (at most 800 entries). */
const nanpAreas = new Map<string, string>()

function parseCountry (digits: string): string {
  const parsed = parsePhoneNumberFromString(`+${digits}`)
  if (!parsed) return ''
  if (parsed.country) return parsed.country
  if (parsed.countryCallingCode === '1') {
    const split = SPLIT_NANP[digits.slice(1, 4)]
    if (split) return split
  }
  return parsed.getPossibleCountries()[0] ?? ''
}

/** The market of a country in a card's country → market table; unknown countries are "Other". */
export function marketOfCountry (countries: ReadonlyMap<string, string>, country: string): string {
  return countries.get(country.toUpperCase()) ?? OTHER_MARKET
}
