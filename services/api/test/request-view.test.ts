import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toState, type RequestEntry } from '../src/message-state.ts'
import { createRequestView } from '../src/request-view.ts'

const facts = (requestId: string, at: number) => ({ requestId, phoneNumberId: '1', to: '+1', bodyHash: `h-${requestId}`, at, sendAt: null, priority: null, isDue: true })

test('the view forgets requests past its window and, when full, the first seen', () => {
  let now = 10_000
  const view = createRequestView({ windowMs: 1000, maxEntries: 3, clock: () => now })
  view.addRequest(facts('a', 9_500))
  view.addRequest(facts('b', 9_900))
  now = 10_600
  view.addRequest(facts('c', 10_600))
  assert.equal(view.get('a'), undefined)
  assert.ok(view.get('b') && view.get('c'))
  view.addRequest(facts('d', 10_600))
  view.addRequest(facts('e', 10_600))
  assert.deepEqual(['b', 'c', 'd', 'e'].map((id) => view.get(id) !== undefined), [false, true, true, true])
  assert.deepEqual(view.stats(), { entries: 3, evictedEarly: 1 })
})

test('the first request record of an id is kept; a later result replaces an earlier one; the most advanced webhook wins', () => {
  const view = createRequestView({ windowMs: 60_000, maxEntries: 10, clock: () => 1000 })
  view.addRequest(facts('x', 1000))
  view.addRequest({ ...facts('x', 1000), bodyHash: 'other' })
  assert.equal(view.get('x')!.bodyHash, 'h-x')
  const result = { reason: null, error: null, wamid: null, attempts: 1, completedAt: 1000, isSettlement: false }
  view.addResult('x', 1000, { phoneNumberId: '1', to: '+1', result: { ...result, status: 'unknown' } })
  view.addResult('x', 1000, { phoneNumberId: '1', to: '+1', result: { ...result, status: 'accepted', isSettlement: true } })
  assert.equal(view.get('x')!.result!.status, 'accepted')
  for (const status of ['delivered', 'sent', 'failed'] as const) view.addWebhook('x', 1000, { phoneNumberId: '1', webhook: { status, at: 1, wamid: null, error: null } })
  assert.equal(view.get('x')!.webhook!.status, 'delivered')
})

test('states: failed and expired results win over webhooks; webhooks refine accepted and unknown; nothing known is undefined', () => {
  const base: RequestEntry = {
    requestId: 'r', phoneNumberId: '1', to: '+1', bodyHash: 'h', queuedAt: 1, sendAt: undefined, priority: 'interactive', dueAt: 1, result: undefined, webhook: undefined, firstSeenAt: 1
  }
  const result = { reason: null, error: null, wamid: null, attempts: 1, completedAt: 2, isSettlement: false }
  const webhook = { status: 'read' as const, at: 3, wamid: null, error: null }
  assert.equal(toState(base)!.state, 'queued')
  assert.equal(toState({ ...base, queuedAt: undefined }), undefined)
  assert.equal(toState({ ...base, result: { ...result, status: 'accepted' } })!.state, 'accepted')
  assert.equal(toState({ ...base, result: { ...result, status: 'accepted' }, webhook })!.state, 'read')
  assert.equal(toState({ ...base, result: { ...result, status: 'unknown' }, webhook })!.state, 'read')
  assert.equal(toState({ ...base, result: { ...result, status: 'failed' }, webhook })!.state, 'failed')
  assert.deepEqual(toState({ ...base, result: { ...result, status: 'expired', reason: 'too late' } }), { state: 'failed', reason: 'expired: too late', error: null })
  assert.equal(toState({ ...base, queuedAt: undefined, webhook: { ...webhook, status: 'sent' } })!.state, 'sent')
})

test('a scheduled request is scheduled until a due record of it (the release) is read; its first record stays the request', () => {
  const view = createRequestView({ windowMs: 60_000, maxEntries: 10, clock: () => 5000 })
  const sendAt = 30_000
  // Written to the scheduled topic; then, as another producer might, to the requests topic with the future send_at (egress forwards it).
  view.addRequest({ ...facts('s', 1000), sendAt, priority: 'bulk', isDue: false })
  view.addRequest({ ...facts('s', 2000), sendAt, priority: 'bulk', isDue: false })
  assert.deepEqual(toState(view.get('s')!), { state: 'scheduled', reason: null, error: null })
  assert.deepEqual([view.get('s')!.queuedAt, view.get('s')!.sendAt, view.get('s')!.priority], [1000, sendAt, 'bulk'])
  // The release.
  view.addRequest({ ...facts('s', sendAt), sendAt, priority: 'bulk', isDue: true })
  assert.equal(toState(view.get('s')!)!.state, 'queued')
  assert.deepEqual([view.get('s')!.queuedAt, view.get('s')!.dueAt], [1000, sendAt])
  // Released, then the view started: the release is the first record it read.
  view.addRequest({ ...facts('r', sendAt), sendAt, isDue: true })
  assert.deepEqual([toState(view.get('r')!)!.state, view.get('r')!.priority], ['queued', 'interactive'])
})

test('states: cancelled is final and says why; a suppressed failure says suppressed; a result status unknown to this version is unknown', () => {
  const base: RequestEntry = {
    requestId: 'r', phoneNumberId: '1', to: '+1', bodyHash: 'h', queuedAt: 1, sendAt: 99, priority: 'bulk', dueAt: undefined, result: undefined, webhook: undefined, firstSeenAt: 1
  }
  const result = { reason: null, error: null, wamid: null, attempts: 0, completedAt: 2, isSettlement: false }
  assert.equal(toState(base)!.state, 'scheduled')
  assert.deepEqual(toState({ ...base, result: { ...result, status: 'cancelled', reason: 'cancelled by ops' } }), { state: 'cancelled', reason: 'cancelled by ops', error: null })
  assert.deepEqual(toState({ ...base, result: { ...result, status: 'cancelled' } }), { state: 'cancelled', reason: 'cancelled before its send_at; never sent', error: null })
  const suppressed = { code: 131050, subcode: null, message: 'the recipient opted out (keyword STOP)', details: null, class: 'suppressed' as const, fbtrace_id: null }
  assert.deepEqual(toState({ ...base, dueAt: 99, result: { ...result, status: 'failed', error: suppressed } }), {
    state: 'failed', reason: 'suppressed: the recipient opted out (keyword STOP)', error: { code: 131050, message: 'the recipient opted out (keyword STOP)', details: null }
  })
  const newer = { ...result, status: 'rescheduled' as unknown as 'accepted' }
  assert.deepEqual(toState({ ...base, result: newer }), { state: 'unknown', reason: 'result status "rescheduled"', error: null })
})
