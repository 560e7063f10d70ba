import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decideSend, ERROR_CATALOGUE, errorClassOf, findErrorCatalogueEntry, type SendDecision } from '../src/index.ts'

const MIN = 60_000
const HOUR = 60 * MIN
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i)

type Expected = Omit<Extract<SendDecision, { action: 'retry' }>, 'reason'> | Omit<Extract<SendDecision, { action: 'fail' }>, 'reason'>
const retryRecipient: Expected = { action: 'retry', scope: 'recipient', backoff: 'exponential' }
const throttle = (afterMs: number): Expected => ({ action: 'retry', scope: 'number', backoff: 'fixed', afterMs })
const later = (scope: Extract<Expected, { action: 'fail' }>['scope'], replayAfterMs?: number): Expected =>
  ({ action: 'fail', operator: false, replayable: true, scope, ...(replayAfterMs === undefined ? {} : { replayAfterMs }) })
const operator = (scope: Extract<Expected, { action: 'fail' }>['scope']): Expected => ({ action: 'fail', operator: true, replayable: true, scope })
const never = (scope: Extract<Expected, { action: 'fail' }>['scope'], needsPerson = false): Expected => ({ action: 'fail', operator: needsPerson, replayable: false, scope })

// Written out from whatsapp-cloud-api.md §6 and whatsapp-cloud-api-more.md §3.4, §5.2, §7, §8,
// independently of the catalogue, so the two check each other.
const EXPECTED: Array<[number[], Expected]> = [
  [[1, 2, 131000, 131016, 133004, 139102, 139103], retryRecipient],
  [[4, 80007, 80008, 131057], throttle(MIN)],
  [[130429], throttle(1000)],
  [[2494100], throttle(3 * MIN)],
  [[131056], { action: 'retry', scope: 'recipient', backoff: 'pair-rate', afterMs: 1000 }],
  [[131048], later('waba', HOUR)],
  [[131049], later('recipient', 24 * HOUR)],
  [[131064], later('waba')],
  [[132015], later('template', 3 * HOUR)],
  [[132069], later('flow', HOUR)],
  [[134101], later('template', 10 * MIN)],
  [[0, 3, 10, 190, 200, 201, 250, 299, 131005], operator('app')],
  [[33, 131037, 131045, 139101, ...range(133000, 133003), ...range(133005, 133016), 133500, 133999], operator('number')],
  [[368, 131031, 131042, 134011, 131063, 134102], operator('waba')],
  [[132068], operator('flow')],
  [[100, 131008, 131009, 135000, 131051, 131052, 131053, 131055, 134100, 131062, 132000, 132005, 132012, 132018, 139100,
    2388000, 2388019, 2388039, 2388012, 2388293, 2388999], never('message')],
  [[131021, 131026, 131047, 131050, 130403, 130472, 130497], never('recipient')],
  [[132001], never('template')],
  [[132007, 132016], never('template', true)]
]

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
