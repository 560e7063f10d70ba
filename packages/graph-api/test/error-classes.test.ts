import assert from 'node:assert/strict'
import { test } from 'node:test'
import { classifyGraphError, ERROR_CLASS_TABLE, findErrorClassRow, pairRateRetryDelayMs, type ErrorClass } from '../src/index.ts'

// Written out from the fact sheet, section 6, independently of the table, so the two check each other.
const EXPECTED: Record<Exclude<ErrorClass, 'ambiguous'>, number[]> = {
  retry_now: [1, 2, 4, 80007, 130429, 131056, 131000, 131016, 133004, 131057],
  retry_later: [131048, 131049, 131064, 131042, 368, 131031, 130497, 0, 3, 10, 190, 200, 201, 250, 298, 299, 131045, 133010, 132015],
  permanent: [100, 131008, 131009, 135000, 131021, 131026, 131047, 131050, 130403, 130472, 131051, 131053,
    132000, 132001, 132005, 132007, 132012, 132016, 132018, 131037, 131063, 131052]
}

for (const [cls, codes] of Object.entries(EXPECTED)) {
  for (const code of codes) {
    test(`classifies code ${code} as ${cls} whatever the HTTP status`, () => {
      for (const httpStatus of [400, 403, 429, 500, 503]) {
        assert.equal(classifyGraphError({ code, httpStatus }).class, cls, `status ${httpStatus}`)
      }
    })
  }
}

test('every table row is in the expected lists and nothing else is', () => {
  const listed = new Set(Object.values(EXPECTED).flat())
  for (const row of ERROR_CLASS_TABLE) {
    assert.ok(listed.has(row.code), `row ${row.code} not expected`)
    if (row.codeTo !== undefined) assert.ok(listed.has(row.codeTo), `range end ${row.codeTo} not expected`)
  }
  for (const code of listed) assert.ok(findErrorClassRow(code), `code ${code} missing from the table`)
})

test('unknown codes fall back on the HTTP status: 5xx retry_now, 429 retry_now, other 4xx permanent', () => {
  assert.equal(findErrorClassRow(987654), undefined)
  assert.equal(classifyGraphError({ code: 987654, httpStatus: 500 }).class, 'retry_now')
  assert.equal(classifyGraphError({ code: 987654, httpStatus: 503 }).class, 'retry_now')
  assert.equal(classifyGraphError({ code: 987654, httpStatus: 429 }).class, 'retry_now')
  assert.equal(classifyGraphError({ code: 987654, httpStatus: 400 }).class, 'permanent')
  assert.equal(classifyGraphError({ httpStatus: 502 }).class, 'retry_now')
  assert.equal(classifyGraphError({ httpStatus: 404 }).class, 'permanent')
  assert.equal(classifyGraphError({}).class, 'ambiguous')
})

test('131056 suggests 4^attempt seconds', () => {
  assert.deepEqual([0, 1, 2, 3].map((attempt) => classifyGraphError({ code: 131056, httpStatus: 400, attempt }).retryAfterMs), [1000, 4000, 16_000, 64_000])
  assert.equal(pairRateRetryDelayMs(-1), 1000)
  assert.equal(pairRateRetryDelayMs(100), 4 ** 8 * 1000)
})

test('130429 suggests a throttle delay, 131057 about a minute, permanent codes none', () => {
  assert.equal(classifyGraphError({ code: 130429 }).retryAfterMs, 1000)
  assert.equal(classifyGraphError({ code: 131057 }).retryAfterMs, 60_000)
  assert.equal(classifyGraphError({ code: 131049 }).retryAfterMs, 24 * 3600_000)
  assert.equal(classifyGraphError({ code: 1 }).retryAfterMs, undefined)
  assert.equal(classifyGraphError({ code: 131026, retryAfter: '30' }).retryAfterMs, undefined)
})

test('a Retry-After header overrides the suggested delay of a retryable error', () => {
  assert.deepEqual(classifyGraphError({ code: 130429, retryAfter: '7' }), { class: 'retry_now', retryAfterMs: 7000 })
  assert.deepEqual(classifyGraphError({ httpStatus: 503, retryAfter: '2' }), { class: 'retry_now', retryAfterMs: 2000 })
  assert.deepEqual(classifyGraphError({ code: 130429, retryAfter: 'soon' }), { class: 'retry_now', retryAfterMs: 1000 })
})
