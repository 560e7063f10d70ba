import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MetricsQueryError } from '../src/errors.ts'
import { parseUsageQuery } from '../src/api/usage-query.ts'

function rejects (query: Record<string, unknown>, parameter: string, message: RegExp) {
  assert.throws(() => parseUsageQuery(query), (err: unknown) => {
    assert.ok(err instanceof MetricsQueryError)
    assert.equal(err.parameter, parameter)
    assert.match(err.message, message)
    return true
  })
}

test('accepts unix seconds or ISO dates, a list of numbers and Meta\'s granularities', () => {
  assert.deepStrictEqual(parseUsageQuery({ phone_number_id: '1,2', start: '1795478400', end: '2026-11-25T00:00:00Z', granularity: 'HALF_HOUR' }), {
    phoneNumberIds: ['1', '2'],
    wabaIds: undefined,
    startMs: 1795478400000,
    endMs: Date.UTC(2026, 10, 25),
    granularity: 'HALF_HOUR',
    metricTypes: ['COST', 'VOLUME'],
    dimensions: ['COUNTRY', 'PHONE', 'PRICING_CATEGORY', 'PRICING_TYPE'],
    phoneNumbers: undefined,
    countryCodes: undefined,
    pricingTypes: undefined,
    pricingCategories: undefined
  })
  assert.equal(parseUsageQuery({ start: '1', end: '2' }).granularity, 'DAILY')
})

test('pricing_analytics parameters: lists as Meta sends them (JSON arrays) or comma-separated', () => {
  const q = parseUsageQuery({
    start: '1',
    end: '2',
    metric_types: '["VOLUME"]',
    dimensions: 'tier,COUNTRY,TIER',
    phone_numbers: '+15550783881,15550000000',
    country_codes: '["in","BR"]',
    pricing_types: 'REGULAR',
    pricing_categories: 'UTILITY,AUTHENTICATION_INTERNATIONAL'
  })
  assert.deepStrictEqual([q.metricTypes, q.dimensions, q.phoneNumbers, q.countryCodes, q.pricingTypes, q.pricingCategories], [
    ['VOLUME'], ['TIER', 'COUNTRY'], ['15550783881', '15550000000'], ['IN', 'BR'], ['REGULAR'], ['UTILITY', 'AUTHENTICATION_INTERNATIONAL']
  ])
  rejects({ start: '1', end: '2', metric_types: 'COST,CONVERSATION' }, 'metric_types', /'CONVERSATION' is not one of COST, VOLUME/)
  rejects({ start: '1', end: '2', dimensions: 'DIRECTION' }, 'dimensions', /'DIRECTION' is not one of COUNTRY, PHONE/)
  rejects({ start: '1', end: '2', dimensions: '[]' }, 'dimensions', /at least one/)
  rejects({ start: '1', end: '2', country_codes: 'IND' }, 'country_codes', /'IND' is not an ISO 3166-1 alpha-2 code/)
  rejects({ start: '1', end: '2', phone_numbers: 'abc' }, 'phone_numbers', /display phone number/)
  rejects({ start: '1', end: '2', pricing_types: 'FREE' }, 'pricing_types', /'FREE' is not one of FREE_CUSTOMER_SERVICE/)
  rejects({ start: '1', end: '2', pricing_categories: 'OTP' }, 'pricing_categories', /'OTP' is not one of AUTHENTICATION/)
})

test('bad parameters are named in the message', () => {
  rejects({ end: '2' }, 'start', /^start: is required/)
  rejects({ start: 'yesterday', end: '2' }, 'start', /unix timestamp in seconds or an ISO 8601 date/)
  rejects({ start: '1', end: '2', granularity: 'DAY' }, 'granularity', /granularity: must be one of HALF_HOUR, DAILY, MONTHLY/)
  rejects({ start: '1', end: '2', phone_number_id: '10654035224292x' }, 'phone_number_id', /numeric ids/)
  rejects({ start: ['1', '2'], end: '3' }, 'start', /given once/)
  rejects({ start: '5', end: '5' }, 'end', /after start/)
  rejects({ start: '1', end: '2', granularty: 'DAILY' }, 'granularty', /unknown parameter 'granularty'/)
  rejects({ start: '0', end: String(200 * 86_400), granularity: 'HALF_HOUR' }, 'start', /more than 5000 HALF_HOUR buckets/)
})
