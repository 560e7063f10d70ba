import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCodec, type OutboundResult } from '@wabridge/schemas'
import { PartitionLedger, type LedgerEvent } from '../src/ledger.ts'
import { ledgerRecord, readLedgerRecord } from '../src/ledger-records.ts'

const codec = createCodec()

let offset = 0n
const at = (event: LedgerEvent, time = 0, o = offset++) => ({ ...event, offset: o, at: time })
const started = (requestId: string, sourceOffset: number, attempt = 0, instance = 'a'): LedgerEvent =>
  ({ kind: 'attempt', requestId, sourceOffset: String(sourceOffset), attempt, state: 'started', instance })
const final = (requestId: string, sourceOffset: number, status: 'accepted' | 'unknown' = 'accepted', unknown?: OutboundResult): LedgerEvent =>
  ({ kind: 'final', requestId, sourceOffset: String(sourceOffset), status, instance: 'a', ...(unknown && { unknown }) })

test('a final result makes a request final for good; later markers do not reopen it', () => {
  const ledger = new PartitionLedger()
  ledger.apply(at(started('r', 5)))
  assert.equal(ledger.get('r').kind, 'open')
  ledger.apply(at(final('r', 5)))
  ledger.apply(at(started('r', 5, 1, 'b')))
  assert.deepEqual(ledger.get('r'), { kind: 'final', status: 'accepted' })
  assert.deepEqual(ledger.get('other'), { kind: 'new' })
})

test('a not-sent marker of the same attempt wins over started; a higher attempt wins over both', () => {
  const ledger = new PartitionLedger()
  ledger.apply(at(started('r', 1, 2)))
  ledger.apply(at({ kind: 'attempt', requestId: 'r', sourceOffset: '1', attempt: 2, state: 'not-sent', instance: 'a' }))
  const view = ledger.get('r')
  assert.ok(view.kind === 'open' && view.state === 'not-sent')
  ledger.apply(at(started('r', 1, 1)))
  const older = ledger.get('r')
  assert.ok(older.kind === 'open' && older.attempt === 2 && older.state === 'not-sent', 'an older attempt changes nothing')
  ledger.apply(at(started('r', 1, 3, 'b')))
  const newer = ledger.get('r')
  assert.ok(newer.kind === 'open' && newer.attempt === 3 && newer.instance === 'b')
})

test('in doubt: started without a final result, by another instance or by anyone', () => {
  const ledger = new PartitionLedger()
  ledger.apply(at(started('mine', 1, 0, 'me')))
  ledger.apply(at({ kind: 'attempt', requestId: 'refused', sourceOffset: '2', attempt: 0, state: 'not-sent', instance: 'other' }))
  ledger.apply(at(started('theirs', 3, 1, 'other')))
  ledger.apply(at(started('done', 4, 0, 'other')))
  ledger.apply(at(final('done', 4)))
  assert.deepEqual(ledger.inDoubtBy('me'), ['theirs'])
  assert.deepEqual(ledger.inDoubt().map((e) => e.requestId).sort(), ['mine', 'theirs'])
})

test('the read-back start covers every request at or after the committed offset, however old its records (issue 12, item 2)', () => {
  const ledger = new PartitionLedger()
  // Request at source offset 10 started at attempts offset 100, an hour before the others.
  ledger.apply(at(started('slow', 10), 0, 100n))
  ledger.apply(at(final('fast-1', 11), 3_600_000, 101n))
  ledger.apply(at(final('fast-2', 12), 3_600_000, 102n))
  // Committed offset 10 (the slow one is unfinished): a new owner must read from 100, an hour back.
  assert.equal(ledger.startFor(10n, 3_600_000, 60_000), 100n)
  ledger.apply(at(final('slow', 10), 3_600_100, 103n))
  // Everything finished: committed 13; the dedup window (60 s) keeps the last minute's finals readable.
  assert.equal(ledger.startFor(13n, 3_600_100, 60_000), 101n)
  assert.equal(ledger.startFor(13n, 3_800_000, 60_000), 104n, 'nothing to read back: the end')
})

test('an unknown result awaiting settlement keeps its records in the read-back range until settled', () => {
  const ledger = new PartitionLedger()
  const unknown = { request_id: 'u', status: 'unknown', completed_at: 0 } as unknown as OutboundResult
  ledger.apply(at(final('u', 1, 'unknown', unknown), 0, 50n))
  ledger.apply(at(final('x', 2), 10_000_000, 51n))
  assert.equal(ledger.unsettled().get('u')?.result, unknown)
  assert.equal(ledger.startFor(3n, 10_000_000, 60_000), 50n)
  ledger.apply(at({ kind: 'settled', requestId: 'u', sourceOffset: '1', instance: 'a' }, 10_000_001, 52n))
  assert.equal(ledger.unsettled().size, 0)
  assert.equal(ledger.startFor(3n, 10_000_001, 60_000), 51n)
})

test('prune forgets finals before the committed offset once older than the dedup window, and keeps the rest', () => {
  const ledger = new PartitionLedger()
  ledger.apply(at(final('old', 1), 0))
  ledger.apply(at(final('recent', 2), 50_000))
  ledger.apply(at(started('open', 3), 0))
  ledger.prune(3n, 70_000, 60_000)
  assert.deepEqual(ledger.get('old'), { kind: 'new' })
  assert.deepEqual(ledger.get('recent'), { kind: 'final', status: 'accepted' })
  assert.equal(ledger.get('open').kind, 'open')
})

test('a forward finishes its source offset without making the request final; its record round-trips', async () => {
  const ledger = new PartitionLedger()
  const forwarded: LedgerEvent = { kind: 'forwarded', requestId: 'later', sourceOffset: '7', instance: 'a' }
  const record = await ledgerRecord(codec, 'wa.egress.attempts', 0, 'k', forwarded)
  const read = await readLedgerRecord(codec, record.headers, Buffer.from(record.value as string))
  assert.deepEqual(read, forwarded)
  ledger.apply(at(forwarded, 1000))
  assert.deepEqual(ledger.get('later'), { kind: 'new' }, 'the released copy is sent as any other request')
  assert.equal(ledger.wasForwarded('later', 7n), true)
  assert.equal(ledger.wasForwarded('later', 8n), false, 'another record with the same id is forwarded again (the scheduler dedups)')
  // Its history is read back by a later owner while its offset is not committed.
  assert.ok(ledger.startFor(7n, 1000, 60_000) <= offset - 1n)
  ledger.prune(8n, 1000 + 120_000, 60_000)
  assert.equal(ledger.wasForwarded('later', 7n), false, 'forgotten once committed and older than the dedup window')
})
