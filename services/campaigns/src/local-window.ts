import { getCountry } from 'countries-and-timezones'

/** A daily local-time window, minutes after midnight; end is exclusive; end < start wraps midnight. */
export interface LocalWindow {
  start: number
  end: number
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/

/** Parses '09:00' and '20:00' into a window; throws on anything else or an empty window. */
export function parseWindow (start: string, end: string): LocalWindow {
  const a = HHMM.exec(start)
  const b = HHMM.exec(end)
  if (!a || !b) throw new Error('window times must be HH:MM (00:00 to 23:59)')
  const w = { start: Number(a[1]) * 60 + Number(a[2]), end: Number(b[1]) * 60 + Number(b[2]) }
  if (w.start === w.end) throw new Error('the window must not be empty')
  return w
}

const zoneCache = new Map<string, string[]>()

/** The IANA time zones of a country (countries-and-timezones); [] when unknown. */
export function zonesOf (country: string): string[] {
  let zones = zoneCache.get(country)
  if (!zones) {
    zones = getCountry(country as Parameters<typeof getCountry>[0])?.timezones ?? []
    zoneCache.set(country, zones)
  }
  return zones
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Minutes after local midnight in `zone` at `at`. */
export function localMinutes (zone: string, at: number): number {
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formatters.set(zone, f)
  }
  let h = 0
  let m = 0
  for (const p of f.formatToParts(at)) {
    if (p.type === 'hour') h = Number(p.value)
    else if (p.type === 'minute') m = Number(p.value)
  }
  return h * 60 + m
}

const inWindow = (w: LocalWindow, minutes: number) => w.start < w.end ? minutes >= w.start && minutes < w.end : minutes >= w.start || minutes < w.end

/**
 * Whether the window holds at `at` in every zone given (a country with several zones: all of them,
 * so nobody in the country gets a message outside the window). No zones (a number without a
 * country, e.g. +800): the window is taken as open.
 */
export function isWindowOpen (w: LocalWindow, zones: readonly string[], at: number): boolean {
  return zones.every((z) => inWindow(w, localMinutes(z, at)))
}

const MINUTE = 60_000

/**
 * When the window next holds in every zone, epoch ms at a whole minute (≤ `at` rounded up if it
 * holds now), or undefined if it never does within 8 days (zones too far apart for the window).
 */
export function nextWindowOpening (w: LocalWindow, zones: readonly string[], at: number): number | undefined {
  if (isWindowOpen(w, zones, at)) return at
  let t = Math.ceil(at / MINUTE) * MINUTE
  // 15-minute steps find the opening (every zone offset is a multiple of 15 minutes), then minutes refine it.
  for (const end = at + 8 * 24 * 60 * MINUTE; t < end; t += 15 * MINUTE) {
    if (isWindowOpen(w, zones, t)) {
      let back = t
      while (back - MINUTE > at && isWindowOpen(w, zones, back - MINUTE)) back -= MINUTE
      return back
    }
  }
  return undefined
}

/** A per-country cache of isWindowOpen for one tick (countries repeat across recipients). */
export function createWindowCheck (w: LocalWindow, at: number) {
  const open = new Map<string, boolean>()
  return (country: string | undefined): boolean => {
    if (country === undefined) return true
    let v = open.get(country)
    if (v === undefined) {
      v = isWindowOpen(w, zonesOf(country), at)
      open.set(country, v)
    }
    return v
  }
}
