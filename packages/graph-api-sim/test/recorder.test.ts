import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRecorder, type AcceptedMessage } from '../src/recorder.ts'

const message = (i: number, callback?: string): Omit<AcceptedMessage, 'seq'> => ({
  phoneNumberId: String(1000 + (i % 4)),
  to: `+1555000${i}`,
  waId: `1555000${i}`,
  type: 'text',
  wamid: `wamid.${i}`,
  ...(callback === undefined ? {} : { bizOpaqueCallbackData: callback }),
  apiVersion: 'v23.0',
  acceptedAt: 1000 + i,
  userAgent: `egress-${i % 2}`,
  body: {}
})

test('counts accepted sends per biz_opaque_callback_data and groups those accepted more than once, with each send', () => {
  const r = createRecorder(1000)
  r.accept(message(1, 'a'))
  r.accept(message(2, 'b'))
  r.accept(message(3, 'a'))
  r.accept(message(4))
  r.accept(message(5, 'a'))
  assert.deepEqual(['a', 'b', 'c'].map((k) => r.countFor(k)), [3, 1, 0])
  assert.deepEqual(r.callbackTotals(), { duplicates: 2, distinct: 2 })
  const [group] = r.duplicates()
  assert.deepEqual([group?.bizOpaqueCallbackData, group?.count, group?.wamids], ['a', 3, ['wamid.1', 'wamid.3', 'wamid.5']])
  assert.deepEqual(group?.sends.map((s) => [s.seq, s.phoneNumberId, s.userAgent, s.acceptedAt]), [[1, '1001', 'egress-1', 1001], [3, '1003', 'egress-1', 1003], [5, '1001', 'egress-1', 1005]])
  assert.equal(r.duplicates().length, 1)
})

test('pages by seq; seq keeps growing after clear()', () => {
  const r = createRecorder(1000)
  for (let i = 0; i < 25; i++) r.accept(message(i, `r${i}`))
  assert.deepEqual(r.page(0, 10).map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  assert.deepEqual(r.page(20, 10).map((m) => m.seq), [21, 22, 23, 24, 25])
  assert.deepEqual(r.page(25, 10), [])
  r.clear()
  assert.deepEqual([r.callbackTotals(), r.countFor('r1')], [{ duplicates: 0, distinct: 0 }, 0])
  assert.equal(r.accept(message(99, 'x')).seq, 26)
  assert.deepEqual(r.page(0, 10).map((m) => m.seq), [26])
})

test('20,000 sends: trimming the oldest keeps the counts in step with what is kept', () => {
  const r = createRecorder(10_000)
  // Every request id is sent once, every 100th twice (the second time 50 sends later).
  for (let i = 0; i < 20_000; i++) {
    r.accept(message(i, `req-${i}`))
    if (i % 100 === 0) r.accept(message(i, `req-${i}`))
  }
  const kept = r.accepted
  const counts = new Map<string, number>()
  for (const m of kept) counts.set(m.bizOpaqueCallbackData!, (counts.get(m.bizOpaqueCallbackData!) ?? 0) + 1)
  const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0)
  assert.ok(kept.length <= 10_000 && kept.length > 9000, `${kept.length} kept`)
  assert.deepEqual(r.callbackTotals(), { duplicates, distinct: counts.size })
  assert.equal(r.duplicates().length, duplicates)
  assert.equal(r.page(kept[0]!.seq - 1, 100_000).length, kept.length)
  assert.equal(r.countFor('req-0'), 0, 'trimmed')
})
