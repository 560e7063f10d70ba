import assert from 'node:assert/strict'
import { test } from 'node:test'
import { alertLabels, createTokenBucket, formatMatcher, matches, parseMatcher, parseReceiversFile, routeAlert, toRoutingTable } from '../src/index.ts'
import { alert } from './helpers.ts'

const defaults = { groupBy: ['name'], groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 }

test('matchers: =, !=, anchored =~ and !~; an absent label is the empty string', () => {
  const labels = { name: 'throughput_near_limit', scope: 'phone_number:1065' }
  assert.equal(matches(parseMatcher('name=throughput_near_limit'), labels), true)
  assert.equal(matches(parseMatcher('name!=throughput_near_limit'), labels), false)
  assert.equal(matches(parseMatcher('scope=~phone_number:.*'), labels), true)
  assert.equal(matches(parseMatcher('scope=~phone'), labels), false, 'anchored')
  assert.equal(matches(parseMatcher('scope!~waba:.*'), labels), true)
  assert.equal(matches(parseMatcher('waba_id='), labels), true)
  assert.equal(formatMatcher(parseMatcher('a!~b.*')), 'a!~b.*')
  assert.throws(() => parseMatcher('=x'), /must be label=value/)
  assert.throws(() => parseMatcher('a=~('), /regex '\(' is invalid/)
})

test('alert labels: the labels map, then the record fields, which win', () => {
  const a = alert({ scope: 'waba:9', phone_number_id: null, labels: { name: 'shadowed', tier: 'TIER_2K' } })
  assert.deepEqual(alertLabels(a), { name: a.name, tier: 'TIER_2K', severity: 'warning', scope: 'waba:9', waba_id: a.waba_id })
})

test('routes: the first match wins unless it says continue; group keys carry the group_by values', () => {
  const file = parseReceiversFile(`
receivers:
  - { name: pager, type: webhook, url: 'http://127.0.0.1:1/p' }
  - { name: chat, type: slack, url: 'http://127.0.0.1:1/s' }
routes:
  - matchers: ['severity=critical']
    receivers: [pager]
    group_by: [name, scope]
    continue: true
  - receivers: [chat]
`)
  const table = toRoutingTable(file, { emailFrom: 'x' }, defaults)
  const critical = alert({ severity: 'critical', scope: 'phone_number:7' })
  assert.deepEqual(routeAlert(table.routes, critical).map((h) => [h.receiver, h.groupKey]), [
    ['pager', '0|name=throughput_near_limit,scope=phone_number:7'],
    ['chat', '1|name=throughput_near_limit']
  ])
  assert.deepEqual(routeAlert(table.routes, alert()).map((h) => h.receiver), ['chat'])
  assert.equal(table.routes[1]!.repeatIntervalMs, defaults.repeatIntervalMs)
})

test('receivers file errors name the field; shortcuts add catch-all receivers', () => {
  assert.throws(() => parseReceiversFile('{"receivers":[{"name":"x","type":"webhook"}]}'), /receivers\.0\.url/)
  assert.throws(() => parseReceiversFile('{"routes":[{"receivers":["x"],"matchers":["bad"]}]}'), /must be label=value/)
  assert.throws(() => toRoutingTable(parseReceiversFile('{"routes":[{"receivers":["nobody"]}]}'), { emailFrom: 'x' }, defaults), /unknown receiver 'nobody'/)
  const table = toRoutingTable(undefined, { webhookUrl: 'http://127.0.0.1:1/w', smtpUrl: 'smtp://127.0.0.1:25', emailTo: ['a@b.c'], emailFrom: 'x@y.z' }, defaults)
  assert.deepEqual(table.receivers.map((r) => r.name), ['webhook', 'email'])
  assert.deepEqual(routeAlert(table.routes, alert()).map((h) => h.receiver), ['webhook', 'email'])
})

test('the token bucket gives its burst, then one token per 60000/per_minute ms of the injected clock', () => {
  let now = 0
  const bucket = createTokenBucket({ perMinute: 2, burst: 2 }, () => now)
  assert.equal(bucket.tryTake(), true)
  assert.equal(bucket.tryTake(), true)
  assert.equal(bucket.tryTake(), false)
  assert.equal(bucket.waitMs(), 30_000)
  now += 29_999
  assert.equal(bucket.tryTake(), false)
  now += 1
  assert.equal(bucket.tryTake(), true)
  now += 10 * 60_000
  assert.equal(bucket.tryTake(), true)
  assert.equal(bucket.tryTake(), true)
  assert.equal(bucket.tryTake(), false, 'never more than the burst')
})
