import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isWindowOpen, localMinutes, nextWindowOpening, parseWindow, zonesOf } from '../src/local-window.ts'

const at = (iso: string) => Date.parse(iso)

test('a window holds in the recipient\'s zone: 09:00-20:00 in Italy', () => {
  const w = parseWindow('09:00', '20:00')
  const it = zonesOf('IT')
  assert.deepEqual(it, ['Europe/Rome'])
  assert.equal(isWindowOpen(w, it, at('2026-12-06T07:59:00Z')), false) // 08:59 in Rome (CET)
  assert.equal(isWindowOpen(w, it, at('2026-12-06T08:00:00Z')), true)
  assert.equal(isWindowOpen(w, it, at('2026-12-06T18:59:00Z')), true)
  assert.equal(isWindowOpen(w, it, at('2026-12-06T19:00:00Z')), false)
  assert.equal(nextWindowOpening(w, it, at('2026-12-06T20:30:00Z')), at('2026-12-07T08:00:00Z'))
})

test('a country with several zones: the window must hold in all of them', () => {
  const w = parseWindow('09:00', '20:00')
  const us = zonesOf('US')
  assert.ok(us.includes('America/New_York') && us.includes('Pacific/Honolulu'))
  // 15:00 in New York is 10:00 in Honolulu, but 06:00 in Adak is… let the library say; New York alone is open at 14:00Z.
  assert.equal(isWindowOpen(w, ['America/New_York'], at('2026-12-06T14:00:00Z')), true)
  assert.equal(isWindowOpen(w, us, at('2026-12-06T14:00:00Z')), false) // 04:00 in Honolulu
  const opens = nextWindowOpening(w, us, at('2026-12-06T14:00:00Z'))
  assert.ok(opens !== undefined)
  for (const z of us) assert.ok(localMinutes(z, opens) >= 9 * 60, z)
  assert.equal(isWindowOpen(w, us, opens - 60_000), false)
})

test('a window over midnight, and one that never holds', () => {
  const night = parseWindow('22:00', '06:00')
  assert.equal(isWindowOpen(night, ['UTC'], at('2026-12-06T23:30:00Z')), true)
  assert.equal(isWindowOpen(night, ['UTC'], at('2026-12-06T05:59:00Z')), true)
  assert.equal(isWindowOpen(night, ['UTC'], at('2026-12-06T12:00:00Z')), false)
  const hour = parseWindow('09:00', '10:00')
  assert.equal(nextWindowOpening(hour, ['Asia/Tokyo', 'America/New_York'], at('2026-12-06T00:00:00Z')), undefined)
  assert.throws(() => parseWindow('9:00', '20:00'), /HH:MM/)
})
