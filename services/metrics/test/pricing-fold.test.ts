import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldInboundStatus } from '../src/fold/fold-record.ts'
import { bucketStart, counterKey } from '../src/state/keys.ts'
import { createPartitionState, type PartitionState } from '../src/state/partition-state.ts'
import { PN1, status } from './fixtures/records.ts'

const T = Date.UTC(2026, 10, 20, 9, 15)
const billed = (state: PartitionState, grain: 'H' | 'D' | 'M', category: string, typeCountry: string) =>
  state.counters.get(counterKey({ grain, bucket: bucketStart(grain, T), metric: 'billm', scope: PN1, a: category, b: typeCountry })) ?? 0

test('billed messages are counted once per message id with the recipient\'s country, in every usage grain', () => {
  const state = createPartitionState('s', 0)
  const utility = { category: 'utility', type: 'regular' }
  foldInboundStatus(state, status({ pn: PN1, to: '919876543210', wamid: 'w1', status: 'sent', t: T, pricing: utility }))
  foldInboundStatus(state, status({ pn: PN1, to: '919876543210', wamid: 'w1', status: 'delivered', t: T + 1000, pricing: utility }))
  foldInboundStatus(state, status({ pn: PN1, to: '919876543211', wamid: 'w2', status: 'read', t: T, pricing: utility }))
  foldInboundStatus(state, status({ pn: PN1, to: '18095550001', wamid: 'w3', status: 'sent', t: T, pricing: { category: 'SERVICE', type: 'FREE_CUSTOMER_SERVICE' } }))
  foldInboundStatus(state, status({ pn: PN1, to: '42', wamid: 'w4', status: 'sent', t: T, pricing: { category: 'marketing', type: 'regular' } }))
  for (const grain of ['H', 'D', 'M'] as const) {
    assert.equal(billed(state, grain, 'utility', 'regular:IN'), 2, grain)
    // Dominican Republic: a +1 number that is not North America.
    assert.equal(billed(state, grain, 'service', 'free_customer_service:DO'), 1, grain)
    // A recipient id that names no country.
    assert.equal(billed(state, grain, 'marketing', 'regular:'), 1, grain)
  }
  // The counter without the country stays as it was.
  assert.equal(state.counters.get(counterKey({ grain: 'D', bucket: bucketStart('D', T), metric: 'bill', scope: PN1, a: 'utility', b: 'regular' })), 2)
})
