import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decideSend, ERROR_CATALOGUE, errorClassOf, findErrorCatalogueEntry } from '../src/index.ts'
import { EXPECTED, range } from './fixtures/expected-decisions.ts'

for (const [codes, expected] of EXPECTED) {
  test(`codes ${codes.slice(0, 6).join(', ')}${codes.length > 6 ? ' …' : ''}: ${JSON.stringify(expected)}, whatever the HTTP status`, () => {
    for (const code of codes) {
      for (const httpStatus of [400, 401, 403, 429, 500, 503]) {
        const { reason, ...decision } = decideSend({ code, httpStatus, requestSent: true })
        assert.deepEqual(decision, expected, `code ${code}, HTTP ${httpStatus}`)
        assert.match(reason, new RegExp(`code ${String(findErrorCatalogueEntry(code)?.code)}`))
      }
    }
  })
}

test('the families the issue named are complete: 33, 131005, 132068, 132069 and 133000–133016', () => {
  for (const code of [33, 131005, 132068, 132069, ...range(133000, 133016)]) assert.ok(findErrorCatalogueEntry(code), `code ${code}`)
  const cls = (code: number) => errorClassOf(decideSend({ code, httpStatus: 400 }))
  assert.equal(cls(131005), 'retry_later')
  assert.equal(cls(132069), 'retry_later')
  assert.equal(cls(133004), 'retry_now')
  assert.equal(cls(133010), 'retry_later')
})

test('the catalogue holds exactly the expected codes', () => {
  const listed = new Set(EXPECTED.flatMap(([codes]) => codes))
  for (const entry of ERROR_CATALOGUE) {
    assert.ok(listed.has(entry.code), `entry ${entry.code} not expected`)
    if (entry.codeTo !== undefined) assert.ok(listed.has(entry.codeTo), `range end ${entry.codeTo} not expected`)
  }
  assert.equal(findErrorCatalogueEntry(987654), undefined)
  assert.equal(findErrorCatalogueEntry(141002), undefined, 'health_status codes are not API errors')
})
