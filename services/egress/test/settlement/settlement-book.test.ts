import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSettlementBook, inDoubtReason, resultFromEvidence, settlementRecord, unknownReason } from '../../src/settlement/settlement-book.ts'
import { codec, evidence, META_TIME, RECIPIENT, unknownResult } from './fixtures.ts'

const HOUR = 3_600_000

function bookWithClock (windowMs?: number) {
  let now = META_TIME
  const book = createSettlementBook({ clock: () => now, ...(windowMs !== undefined && { windowMs }) })
  return { book, setNow: (t: number) => { now = t } }
}

test('the unknown reason says what happened, that it was not sent again, and what settles it', () => {
  assert.equal(inDoubtReason(2, 'timeout after sending'), 'in doubt after attempt 2 (timeout after sending)')
  assert.equal(unknownReason(2, 'timeout after sending', 24 * HOUR),
    'in doubt after attempt 2 (timeout after sending); it was not sent again; a status webhook within 24 h will settle it')
})

test('a delivered status settles an unknown as accepted, naming the result it supersedes', () => {
  const { book } = bookWithClock()
  const unknown = unknownResult()
  book.add({ requestId: 'req-1', unknown })
  const record = book.settle(evidence({ requestId: 'req-1', status: 'delivered', wamid: 'wamid.X' }))
  assert.deepEqual(record, {
    ...unknown,
    status: 'accepted',
    wamid: 'wamid.X',
    wa_id: RECIPIENT,
    error: null,
    completed_at: META_TIME,
    reason: "in doubt after attempt 2 (timeout after sending); status 'delivered' at 2026-12-06T10:00:00Z proves Meta accepted it",
    settlement: { supersedes_status: 'unknown', supersedes_completed_at: unknown.completed_at, evidence: 'status_webhook', status_at: META_TIME }
  })
})

test("a failed status settles an unknown as failed with Meta's error", () => {
  const { book } = bookWithClock()
  book.add({ requestId: 'req-1', unknown: unknownResult() })
  const error = { code: 131026, subcode: null, message: 'Message undeliverable', details: null, class: 'permanent' as const, fbtrace_id: null }
  const record = book.settle(evidence({ requestId: 'req-1', status: 'failed', error }))
  assert.equal(record?.status, 'failed')
  assert.deepEqual(record?.error, error)
  assert.equal(record?.reason, "in doubt after attempt 2 (timeout after sending); status 'failed' at 2026-12-06T10:00:00Z says it failed (error 131026: Message undeliverable); it was not sent again")
  assert.equal(record?.settlement?.evidence, 'status_webhook')
})

test('each entry hands out one settlement record: later evidence and due() give nothing more', () => {
  const { book, setNow } = bookWithClock()
  book.add({ requestId: 'req-1', unknown: unknownResult() })
  assert.ok(book.settle(evidence({ requestId: 'req-1', status: 'sent' })))
  assert.equal(book.settle(evidence({ requestId: 'req-1', status: 'failed' })), undefined)
  setNow(META_TIME + 48 * HOUR)
  assert.deepEqual(book.due(), [])
  assert.equal(book.has('req-1'), true, 'kept until the record was written')
  book.remove('req-1')
  assert.equal(book.has('req-1'), false)
  assert.equal(book.size(), 0)
})

test('evidence for a request that is not pending gives no record', () => {
  const { book } = bookWithClock()
  assert.equal(book.settle(evidence({ requestId: 'elsewhere' })), undefined)
})

test('unsettled after the window, an unknown stays unknown with a reason, once', () => {
  const { book, setNow } = bookWithClock(24 * HOUR)
  const unknown = unknownResult({ completed_at: META_TIME })
  book.add({ requestId: 'req-1', unknown })
  book.add({ requestId: 'req-2', unknown: unknownResult({ request_id: 'req-2', completed_at: META_TIME + HOUR }) })
  assert.equal(book.nextDeadline(), META_TIME + 24 * HOUR)
  setNow(META_TIME + 24 * HOUR - 1)
  assert.deepEqual(book.due(), [])
  setNow(META_TIME + 24 * HOUR)
  assert.deepEqual(book.due(), [{
    ...unknown,
    completed_at: META_TIME + 24 * HOUR,
    reason: 'in doubt after attempt 2 (timeout after sending); no status webhook within 24 h; it may or may not have been sent; it was not sent again',
    settlement: { supersedes_status: 'unknown', supersedes_completed_at: META_TIME, evidence: 'no_status_in_time', status_at: null }
  }])
  assert.deepEqual(book.due(), [], 'handed out once')
  assert.equal(book.nextDeadline(), META_TIME + 25 * HOUR, 'the next entry not handed out')
  assert.equal(book.settle(evidence({ requestId: 'req-1' })), undefined, 'a late status does not write a second settlement')
})

test('the book keeps the first unknown of a request and accepts only unknown results', () => {
  const { book } = bookWithClock()
  book.add({ requestId: 'req-1', unknown: unknownResult({ completed_at: 1 }) })
  book.add({ requestId: 'req-1', unknown: unknownResult({ completed_at: 2 }) })
  assert.equal(book.size(), 1)
  assert.equal(book.settle(evidence({ requestId: 'req-1' }))?.settlement?.supersedes_completed_at, 1)
  assert.throws(() => book.add({ requestId: 'req-2', unknown: unknownResult({ status: 'accepted' }) }), TypeError)
  assert.equal(book.nextDeadline(), undefined)
})

test('a request decided by evidence before any unknown was published gets it as its first result', () => {
  const base = unknownResult({ reason: inDoubtReason(1, 'HTTP 504 after sending'), attempts: 1, completed_at: META_TIME + 5000 })
  const result = resultFromEvidence(base, evidence({ requestId: 'req-1', status: 'read', wamid: 'wamid.R' }))
  assert.deepEqual(result, {
    ...base,
    status: 'accepted',
    wamid: 'wamid.R',
    wa_id: RECIPIENT,
    error: null,
    reason: "in doubt after attempt 1 (HTTP 504 after sending); status 'read' at 2026-12-06T10:00:00Z proves Meta accepted it",
    settlement: null
  })
})

test('a result without an in-doubt reason is described from its attempts and error', () => {
  const unknown = unknownResult({ reason: null })
  const record = settlementRecord(unknown, null, unknown.completed_at + 90 * 60_000)
  assert.equal(record.reason, 'in doubt after attempt 2 (timed out after 10000 ms); no status webhook within 1 h; it may or may not have been sent; it was not sent again')
})

test('settlement records and results decided by evidence are valid OutboundResult records', () => {
  const unknown = unknownResult()
  const error = { code: 131026, subcode: null, message: 'Message undeliverable', details: null, class: 'permanent' as const, fbtrace_id: null }
  const records = [
    settlementRecord(unknown, evidence({ requestId: 'req-1', status: 'delivered' }), META_TIME),
    settlementRecord(unknown, evidence({ requestId: 'req-1', status: 'failed', error }), META_TIME),
    settlementRecord(unknown, null, META_TIME + 24 * HOUR),
    resultFromEvidence(unknown, evidence({ requestId: 'req-1', status: 'sent' }))
  ]
  const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown
  for (const record of records) assert.deepEqual(plain(codec.decode(codec.encode('OutboundResult', record), 'OutboundResult').value), plain(record))
})
