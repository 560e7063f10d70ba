import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bucketEnd, bucketStart, counterKey, parseChangelogKey, parseCounterKey } from '../src/state/keys.ts'
import { parseMessagingLimit } from '../src/alerts/tiers.ts'
import { parseBusinessUsage } from '../src/fold/usage-header.ts'

test('UTC buckets: half hour, day, month (months of different lengths)', () => {
  const t = Date.UTC(2028, 1, 29, 23, 59, 59, 999)
  assert.equal(bucketStart('H', t), Date.UTC(2028, 1, 29, 23, 30) / 1000)
  assert.equal(bucketStart('D', t), Date.UTC(2028, 1, 29) / 1000)
  assert.equal(bucketStart('M', t), Date.UTC(2028, 1, 1) / 1000)
  assert.equal(bucketEnd('M', bucketStart('M', t)), Date.UTC(2028, 2, 1) / 1000)
  assert.equal(bucketEnd('M', Date.UTC(2026, 11, 1) / 1000), Date.UTC(2027, 0, 1) / 1000)
  // Remembering the last day's month must not carry it over to another day, in either direction.
  for (const [y, m, d] of [[2026, 10, 30], [2026, 11, 1], [2026, 10, 30], [2027, 0, 31], [2026, 11, 31], [2026, 11, 31]] as const) {
    assert.equal(bucketStart('M', Date.UTC(y, m, d, 23, 59, 59)), Date.UTC(y, m, 1) / 1000, `${y}-${m + 1}-${d}`)
  }
})

test('keys survive odd characters in Meta\'s strings', () => {
  const rest = counterKey({ grain: 'D', bucket: 1, metric: 'in', scope: '1', a: 'we|ird', b: '' })
  assert.deepStrictEqual(parseCounterKey(rest), { grain: 'D', bucket: 1, metric: 'in', scope: '1', a: 'we_ird', b: '' })
  assert.deepStrictEqual(parseChangelogKey(`s/11/${rest}`), { source: 's', partition: 11, rest })
  assert.equal(parseChangelogKey('q/1/x'), undefined)
})

test('messaging tiers and usage headers', () => {
  assert.equal(parseMessagingLimit('TIER_2K'), 2000)
  assert.equal(parseMessagingLimit('tier_unlimited'), Infinity)
  assert.equal(parseMessagingLimit(250), 250)
  assert.equal(parseMessagingLimit('TIER_NOT_SET'), undefined)
  assert.deepStrictEqual(parseBusinessUsage('{"1":[{"type":"whatsapp","call_count":12,"total_cputime":81,"total_time":4}]}'), { pct: 81, ids: ['1'] })
  assert.equal(parseBusinessUsage('not json'), undefined)
  assert.equal(parseBusinessUsage(null), undefined)
})
