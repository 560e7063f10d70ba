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
    phoneNumberIds: ['1', '2'], wabaIds: undefined, startMs: 1795478400000, endMs: Date.UTC(2026, 10, 25), granularity: 'HALF_HOUR'
  })
  assert.equal(parseUsageQuery({ start: '1', end: '2' }).granularity, 'DAILY')
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
