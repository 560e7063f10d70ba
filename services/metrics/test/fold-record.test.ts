import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldInboundMessage, foldInboundStatus, foldOutboundResult, foldRecord } from '../src/fold/fold-record.ts'
import { bucketStart, counterKey } from '../src/state/keys.ts'
import { createPartitionState, type PartitionState } from '../src/state/partition-state.ts'
import { message, PN1, result, status, WABA } from './fixtures/records.ts'
import { T0 } from './fixtures/scenario.ts'

const MIN = 60_000
const day = (metric: string, a: string, b = '', scope = PN1) => counterKey({ grain: 'D', bucket: bucketStart('D', T0), metric, scope, a, b })
const count = (state: PartitionState, key: string) => state.counters.get(key) ?? 0

test('a status that goes backwards (read, then sent) is counted once; read implies delivered and sent', () => {
  const state = createPartitionState('s', 0)
  assert.equal(foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'read', t: T0 + 2 * MIN })), 'counted')
  assert.equal(foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'sent', t: T0 + MIN })), 'duplicate')
  assert.equal(foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'delivered', t: T0 + MIN })), 'duplicate')
  assert.equal(foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'read', t: T0 + 2 * MIN })), 'duplicate')
  assert.deepStrictEqual([count(state, day('st', 'sent')), count(state, day('st', 'delivered')), count(state, day('st', 'read'))], [1, 1, 1])
})

test('pricing on sent and again on read is counted once per message id', () => {
  const state = createPartitionState('s', 0)
  const pricing = { category: 'utility', type: 'regular' }
  foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'sent', t: T0, pricing }))
  foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'read', t: T0 + MIN, pricing }))
  foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w2', status: 'delivered', t: T0 + MIN, pricing: { category: 'authentication-international', type: 'regular' } }))
  assert.equal(count(state, day('bill', 'utility', 'regular')), 1)
  assert.equal(count(state, day('bill', 'authentication-international', 'regular')), 1)
})

test('failed statuses count their error codes and rate-limit codes; statuses reach nobody (the limit counts results)', () => {
  const state = createPartitionState('s', 0)
  foldInboundStatus(state, status({ pn: PN1, to: '42', wamid: 'w1', status: 'failed', t: T0, errors: [131048] }))
  foldInboundStatus(state, status({ pn: PN1, to: '42', wamid: 'w1', status: 'failed', t: T0, errors: [131048] }))
  assert.equal(count(state, day('st', 'failed')), 1)
  assert.equal(count(state, day('sterr', '131048')), 1)
  assert.equal(count(state, day('rl', '131048', 'status')), 1)
  assert.equal(state.reach.size, 0)
  foldInboundStatus(state, status({ pn: PN1, to: '43', wamid: 'w2', status: 'sent', t: T0 }))
  assert.equal(state.reach.size, 0)
})

test('an accepted template outside the window reaches its user once; texts, open windows and failures do not', () => {
  const state = createPartitionState('r', 0)
  foldOutboundResult(state, result({ pn: PN1, id: 'a', status: 'accepted', t: T0, to: '42', type: 'template', windowOpen: false }))
  foldOutboundResult(state, result({ pn: PN1, id: 'b', status: 'accepted', t: T0 + 5000, to: '42', type: 'template', windowOpen: false }))
  assert.equal(state.reach.size, 1)
  assert.equal([...state.reach].map(([, t]) => t)[0], T0 + 5000)
  foldOutboundResult(state, result({ pn: PN1, id: 'c', status: 'accepted', t: T0, to: '43', type: 'text', windowOpen: true }))
  foldOutboundResult(state, result({ pn: PN1, id: 'd', status: 'accepted', t: T0, to: '44', type: 'template', windowOpen: true }))
  foldOutboundResult(state, result({ pn: PN1, id: 'e', status: 'failed', t: T0, to: '45', type: 'template', windowOpen: false, code: 131026 }))
  assert.equal(state.reach.size, 1)
  foldOutboundResult(state, result({ pn: PN1, id: 'f', status: 'accepted', t: T0, to: '46', type: 'template', windowOpen: null }))
  assert.equal(state.reach.size, 2)
})

test('conversations are counted by origin once per conversation id', () => {
  const state = createPartitionState('s', 0)
  const conversation = { id: 'c1', origin: 'marketing' }
  foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w1', status: 'sent', t: T0, conversation }))
  foldInboundStatus(state, status({ pn: PN1, to: '1', wamid: 'w2', status: 'sent', t: T0, conversation }))
  assert.equal(count(state, day('conv', 'marketing')), 1)
})

test('inbound messages are counted by type once per message id, in half-hour, day and month buckets', () => {
  const state = createPartitionState('m', 0)
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'm1', type: 'text', t: T0 + 29 * MIN }))
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'm1', type: 'text', t: T0 + 29 * MIN }))
  foldInboundMessage(state, message({ pn: PN1, from: '1', id: 'm2', type: 'text', t: T0 + 31 * MIN }))
  const half = (t: number) => counterKey({ grain: 'H', bucket: bucketStart('H', t), metric: 'in', scope: PN1, a: 'text', b: '' })
  assert.equal(count(state, half(T0)), 1)
  assert.equal(count(state, half(T0 + 30 * MIN)), 1)
  assert.equal(count(state, day('in', 'text')), 2)
  assert.equal(count(state, counterKey({ grain: 'M', bucket: Date.UTC(2026, 10, 1) / 1000, metric: 'in', scope: PN1, a: 'text', b: '' })), 2)
  assert.equal(state.props.get(`n|${PN1}`), `${WABA}|15550783881`)
})

test('outbound results by status and code once per request id; the latest usage header is kept', () => {
  const state = createPartitionState('r', 0)
  foldOutboundResult(state, result({ pn: PN1, id: 'r1', status: 'failed', code: 130429, t: T0, usage: 50 }))
  foldOutboundResult(state, result({ pn: PN1, id: 'r1', status: 'failed', code: 130429, t: T0, usage: 50 }))
  foldOutboundResult(state, result({ pn: PN1, id: 'r2', status: 'expired', t: T0 + 1000, usage: 90 }))
  foldOutboundResult(state, result({ pn: PN1, id: 'r3', status: 'accepted', t: T0 + 500, usage: 10 }))
  assert.equal(count(state, day('res', 'failed', '130429')), 1)
  assert.equal(count(state, day('res', 'expired')), 1)
  assert.equal(count(state, day('rl', '130429', 'result')), 1)
  // Expired requests never reached Meta: two sends, in two seconds.
  assert.deepStrictEqual([...state.recent].filter(([k]) => k.includes('|send|')).map(([, v]) => v), [2])
  assert.equal((JSON.parse(state.props.get(`x|usage|${PN1}`)!) as { pct: number }).pct, 90)
})

test('foldRecord dispatches on the schema and folding is deterministic', () => {
  const fold = () => {
    const state = createPartitionState('s', 0)
    foldRecord(state, { schema: 'InboundStatus', value: status({ pn: PN1, to: '1', wamid: 'w', status: 'delivered', t: T0 }) })
    return [...state.counters].sort()
  }
  assert.deepStrictEqual(fold(), fold())
  assert.equal(fold().length, 6)
})
