import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CSW_DURATION_MS, FEP_DURATION_MS, type CustomerWindow } from '@wabridge/schemas'
import { coPartitionAssignment, isWindowClosed, mergeWindow, windowFromMessage, windowFromStatus, windowState, type WindowUpdate } from '../src/index.ts'
import { message, PHONE, status, T0 } from './windows-helpers.ts'

const H = 3600_000
const fold = (updates: Array<WindowUpdate | undefined>) => updates.reduce<CustomerWindow | undefined>((w, u) => u ? mergeWindow(w, u) : w, undefined)

test('a user message of any type but system opens the CSW for 24 h from Meta\'s timestamp', () => {
  for (const type of ['text', 'image', 'reaction', 'button', 'interactive', 'unsupported', 'location', 'order']) {
    const u = windowFromMessage(message({ from: '3161', id: `w-${type}`, type }))
    assert.deepEqual(u, { phone_number_id: PHONE, wa_id: '3161', last_inbound_at: T0, last_inbound_id: `w-${type}`, csw_expires_at: T0 + CSW_DURATION_MS }, type)
  }
  assert.equal(windowFromMessage(message({ from: '3161', id: 'sys', type: 'system' })), undefined)
  const w = mergeWindow(undefined, windowFromMessage(message({ from: '3161', id: 'a' }))!)
  assert.deepEqual(windowState(w, T0 + CSW_DURATION_MS - 1), { csw: 'open', cswClosesAt: T0 + CSW_DURATION_MS, fep: 'closed' })
  assert.deepEqual(windowState(w, T0 + CSW_DURATION_MS), { csw: 'closed', fep: 'closed' })
  assert.deepEqual(windowState(undefined, T0), { csw: 'closed', fep: 'closed' })
})

test('a message with a referral object (or a referral source id) marks referral_at', () => {
  const ad = message({ from: '3161', id: 'ad', message_json: JSON.stringify({ type: 'text', referral: { source_type: 'ad', ctwa_clid: 'x' } }) })
  assert.equal(windowFromMessage(ad)?.referral_at, T0)
  assert.equal(windowFromMessage(message({ from: '3161', id: 'ad2', referral_source_id: '1203' }))?.referral_at, T0)
  assert.equal(windowFromMessage(message({ from: '3161', id: 'plain' }))?.referral_at, undefined)
  assert.equal(windowFromMessage(message({ from: '3161', id: 'str', message_json: '{"text":{"body":"\\"referral\\""}}' }))?.referral_at, undefined)
})

test('later messages refresh the CSW; replays and any order give the same record', () => {
  const a = windowFromMessage(message({ from: '3161', id: 'a', at: T0 }))
  const b = windowFromMessage(message({ from: '3161', id: 'b', at: T0 + 5 * H }))
  const inOrder = fold([a, b])
  assert.equal(inOrder!.last_inbound_id, 'b')
  assert.equal(inOrder!.csw_expires_at, T0 + 5 * H + CSW_DURATION_MS)
  assert.deepEqual(fold([b, a]), inOrder)
  assert.deepEqual(fold([a, b, a, b]), inOrder)
  assert.deepEqual(mergeWindow(inOrder, inOrder!), inOrder)
})

test('a status priced referral_conversion opens the FEP: the conversation expiry, else 72 h; the first status is the opening', () => {
  assert.equal(windowFromStatus(status({ to: '3161', id: 'plain', pricing_category: 'service' })), undefined)
  const sent = windowFromStatus(status({ to: '3161', id: 's', at: T0 + H, pricing_category: 'referral_conversion' }))
  assert.deepEqual(sent, { phone_number_id: PHONE, wa_id: '3161', fep_opened_at: T0 + H, fep_expires_at: T0 + H + FEP_DURATION_MS })
  const expiry = Math.floor((T0 + 70 * H) / 1000)
  const viaOrigin = windowFromStatus(status({ to: '3161', id: 's', at: T0 + 2 * H, conversation_origin: 'referral_conversion', status_json: JSON.stringify({ conversation: { id: 'c', expiration_timestamp: String(expiry), origin: { type: 'referral_conversion' } } }) }))
  assert.equal(viaOrigin!.fep_expires_at, expiry * 1000)
  // delivered before sent (out of order): the same window, opened at the earlier status.
  const delivered = windowFromStatus(status({ to: '3161', id: 's', status: 'delivered', at: T0 + 2 * H, pricing_category: 'referral_conversion' }))
  const w = fold([delivered, sent])!
  assert.equal(w.fep_opened_at, T0 + H)
  assert.deepEqual(fold([sent, delivered]), w)
  assert.deepEqual(windowState(w, T0 + 30 * H), { csw: 'closed', fep: 'open', fepClosesAt: T0 + 2 * H + FEP_DURATION_MS })
  // A referral conversion after that window closed opens a new one.
  const later = windowFromStatus(status({ to: '3161', id: 's2', at: T0 + 100 * H, pricing_category: 'referral_conversion' }))
  const renewed = fold([sent, later])!
  assert.equal(renewed.fep_opened_at, T0 + 100 * H)
  assert.deepEqual(fold([later, sent]), renewed)
})

test('CSW and FEP are independent; a pair is closed (tombstone) only once both are', () => {
  const w = fold([
    windowFromMessage(message({ from: '3161', id: 'ad', at: T0, referral_source_id: '1' })),
    windowFromStatus(status({ to: '3161', id: 'r', at: T0 + H, pricing_category: 'referral_conversion' }))
  ])!
  assert.equal(windowState(w, T0 + 2 * H).csw, 'open')
  assert.equal(windowState(w, T0 + 2 * H).fep, 'open')
  assert.equal(isWindowClosed(w, T0 + 2 * H), false)
  assert.deepEqual(windowState(w, T0 + 30 * H), { csw: 'closed', fep: 'open', fepClosesAt: T0 + H + FEP_DURATION_MS })
  assert.equal(isWindowClosed(w, T0 + 30 * H), false)
  assert.equal(isWindowClosed(w, T0 + H + FEP_DURATION_MS), true)
})

test('co-partition assignment: partition p of every topic goes to one member, spread evenly', () => {
  const partitions = new Map([['m', [0, 1, 2, 3, 4]], ['s', [0, 1, 2, 3, 4]]])
  const a = coPartitionAssignment(['b-2', 'a-1'], partitions)
  assert.deepEqual(a.get('a-1'), { m: [0, 2, 4], s: [0, 2, 4] })
  assert.deepEqual(a.get('b-2'), { m: [1, 3], s: [1, 3] })
  const three = coPartitionAssignment(['x', 'y', 'z'], new Map([['m', [0, 1, 2, 3]], ['s', [0, 1, 2]]]))
  for (const member of three.values()) assert.deepEqual(member.m?.filter((p) => p < 3) ?? [], member.s ?? [])
  assert.deepEqual(coPartitionAssignment([], partitions).size, 0)
})
