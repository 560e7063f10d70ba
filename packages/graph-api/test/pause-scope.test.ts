import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decideSend, pauseScopeOf } from '../src/index.ts'

const scopeOf = (code: number, httpStatus = 400) => pauseScopeOf(decideSend({ code, httpStatus, requestSent: true }), code)

test('errors that fail every later send of a number, WABA or token pause that scope', () => {
  for (const code of [190, 0, 3, 10, 200, 250, 299, 131005]) assert.equal(scopeOf(code), 'token', String(code))
  for (const code of [131031, 131042, 131048, 131064, 368, 134011]) assert.equal(scopeOf(code), 'waba', String(code))
  for (const code of [33, 131037, 131045, 133010, 133005]) assert.equal(scopeOf(code), 'number', String(code))
})

test('errors about one message, recipient, template or flow, retries, ambiguity and marketing-only refusals pause nothing', () => {
  for (const code of [100, 131026, 131047, 131049, 132001, 132015, 132068, 130429, 131056, 131057, 131000, 131063, 134102]) {
    assert.equal(scopeOf(code), undefined, String(code))
  }
  assert.equal(pauseScopeOf(decideSend({ httpStatus: 502, requestSent: true })), undefined)
})
