import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evidenceFromStatus, readStatusHeaders, recipientFromKey, STATUS_HEADERS, toStatusError } from '../../src/settlement/status-evidence.ts'
import { inboundStatus, META_TIME, RECIPIENT, statusHeaderValues } from './fixtures.ts'

test('a delivered status with a request id is evidence that Meta accepted the send', () => {
  const e = evidenceFromStatus(inboundStatus({ requestId: 'req-1', status: 'delivered', wamid: 'wamid.A' }), 5)
  assert.deepEqual(e, { requestId: 'req-1', status: 'delivered', wamid: 'wamid.A', recipientId: RECIPIENT, error: null, at: META_TIME, seenAt: 5 })
})

test('statuses that decide nothing give no evidence: no request id, or a status such as played', () => {
  assert.equal(evidenceFromStatus(inboundStatus({ requestId: null, status: 'sent' }), 5), undefined)
  assert.equal(evidenceFromStatus(inboundStatus({ requestId: 'req-1', status: 'played' }), 5), undefined)
})

test("a failed status carries Meta's error: code, title and details, permanent unless the classifier says otherwise", () => {
  const status = inboundStatus({
    requestId: 'req-1',
    status: 'failed',
    errors: [{ code: 131049, title: 'This message was not delivered to maintain healthy ecosystem engagement.', error_data: { details: 'per-user marketing limit' } }]
  })
  assert.deepEqual(evidenceFromStatus(status, 5)?.error, {
    code: 131049,
    subcode: null,
    message: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details: 'per-user marketing limit',
    class: 'permanent',
    fbtrace_id: null
  })
  assert.equal(evidenceFromStatus(status, 5, (code) => code === 131049 ? 'retry_later' : 'permanent')?.error?.class, 'retry_later')
})

test('a failed status without errors[] still fails, with the code from error_codes when the JSON has none', () => {
  const bare = inboundStatus({ requestId: 'req-1', status: 'failed' })
  assert.deepEqual(toStatusError(bare), { code: null, subcode: null, message: "status 'failed' without an error", details: null, class: 'permanent', fbtrace_id: null })
  assert.deepEqual(toStatusError({ status_json: 'not json', error_codes: [131026] }), { code: 131026, subcode: null, message: 'error 131026', details: null, class: 'permanent', fbtrace_id: null })
})

test('status headers are read when present; a record without them has no header view', () => {
  const value = inboundStatus({ requestId: 'req-1', status: 'read', wamid: 'wamid.B' })
  assert.deepEqual(readStatusHeaders(statusHeaderValues(value)), { requestId: 'req-1', status: 'read', wamid: 'wamid.B', at: META_TIME })
  assert.equal(readStatusHeaders({ other: 'x' }), undefined)
  assert.deepEqual(readStatusHeaders({ [STATUS_HEADERS.status]: 'sent' }), { requestId: undefined, status: 'sent', wamid: undefined, at: undefined })
})

test('the recipient comes from the record key {phone_number_id}:{recipient_id}', () => {
  assert.equal(recipientFromKey(Buffer.from(`106540352242922:${RECIPIENT}`)), RECIPIENT)
  assert.equal(recipientFromKey(Buffer.from('106540352242922')), null)
  assert.equal(recipientFromKey(null), null)
})
