import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseUsageHeaders } from '../src/index.ts'

test('parses x-app-usage and x-business-use-case-usage into numbers', () => {
  const usage = parseUsageHeaders({
    'x-app-usage': '{"call_count":12,"total_cputime":3,"total_time":7}',
    'x-business-use-case-usage': JSON.stringify({
      102290129340398: [
        { type: 'whatsapp_business_management', call_count: 1, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 },
        { type: 'whatsapp', call_count: 95, total_cputime: '40', total_time: 60, estimated_time_to_regain_access: 2 }
      ]
    })
  })
  assert.deepEqual(usage, {
    appUsage: { callCount: 12, totalCputime: 3, totalTime: 7 },
    businessUseCaseUsage: [
      { id: '102290129340398', type: 'whatsapp_business_management', callCount: 1, totalCputime: 1, totalTime: 1, estimatedTimeToRegainAccess: 0 },
      { id: '102290129340398', type: 'whatsapp', callCount: 95, totalCputime: 40, totalTime: 60, estimatedTimeToRegainAccess: 2 }
    ],
    maxPercent: 95
  })
})

test('absent headers give empty usage', () => {
  assert.deepEqual(parseUsageHeaders({}), { businessUseCaseUsage: [], maxPercent: 0 })
})

test('malformed headers are ignored, never thrown', () => {
  assert.deepEqual(parseUsageHeaders({ 'x-app-usage': '{not json', 'x-business-use-case-usage': '[1,2]' }), { businessUseCaseUsage: [], maxPercent: 0 })
  assert.deepEqual(parseUsageHeaders({ 'x-app-usage': 'null', 'x-business-use-case-usage': '{"1": "x", "2": [null, 3]}' }), { businessUseCaseUsage: [], maxPercent: 0 })
})

test('non-numeric counters count as 0 and unknown fields are ignored', () => {
  const usage = parseUsageHeaders({ 'x-app-usage': ['{"call_count":"lots","total_time":5,"extra":1}'] })
  assert.deepEqual(usage, { appUsage: { callCount: 0, totalCputime: 0, totalTime: 5 }, businessUseCaseUsage: [], maxPercent: 5 })
})

test('an entry without a type is kept as unknown', () => {
  const usage = parseUsageHeaders({ 'x-business-use-case-usage': '{"42":[{"call_count":3}]}' })
  assert.deepEqual(usage.businessUseCaseUsage, [{ id: '42', type: 'unknown', callCount: 3, totalCputime: 0, totalTime: 0, estimatedTimeToRegainAccess: 0 }])
})

test('header texts seen recently give the same frozen usage, also after other texts; new texts are parsed', () => {
  const headers = { 'x-app-usage': '{"call_count":7}', 'x-business-use-case-usage': '{"9":[{"type":"WHATSAPP_BUSINESS_MANAGEMENT","total_time":12}]}' }
  const first = parseUsageHeaders(headers)
  const other = parseUsageHeaders({ ...headers, 'x-app-usage': '{"call_count":8}' })
  assert.equal(parseUsageHeaders({ ...headers }), first)
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.appUsage) && Object.isFrozen(first.businessUseCaseUsage) && Object.isFrozen(first.businessUseCaseUsage[0]))
  assert.notEqual(other, first)
  assert.equal(other.appUsage?.callCount, 8)
  assert.equal(other.maxPercent, 12)
  assert.equal(first.appUsage?.callCount, 7)
  // A header given twice (an array) is parsed from its first value, not cached.
  assert.equal(parseUsageHeaders({ 'x-app-usage': ['{"call_count":9}', '{"call_count":1}'] }).appUsage?.callCount, 9)
})
