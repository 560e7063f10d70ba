import assert from 'node:assert/strict'
import { test } from 'node:test'
import { errorClassOf } from '../src/index.ts'

test('each decision has one class: retry → retry_now, replayable fail → retry_later, other fail → permanent', () => {
  assert.equal(errorClassOf({ action: 'retry', scope: 'number', backoff: 'fixed', afterMs: 1000, reason: '' }), 'retry_now')
  assert.equal(errorClassOf({ action: 'fail', operator: true, replayable: true, scope: 'app', reason: '' }), 'retry_later')
  assert.equal(errorClassOf({ action: 'fail', operator: false, replayable: true, scope: 'recipient', replayAfterMs: 1, reason: '' }), 'retry_later')
  assert.equal(errorClassOf({ action: 'fail', operator: true, replayable: false, scope: 'template', reason: '' }), 'permanent')
  assert.equal(errorClassOf({ action: 'ambiguous', reason: '' }), 'ambiguous')
})
