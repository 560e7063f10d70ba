import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Suppression } from '@wabridge/schemas'
import {
  actionsForEvent, actionsForMessage, actionsForStatus, createKeywordMatcher, createPortfolioResolver, DEFAULT_STOP_KEYWORDS, REACH_WINDOW_MS,
  ReachWindow, shouldReplace, tierFromEvent, tierLimit, toMessagingTier, type FeederContext
} from '../src/index.ts'
import { event, PHONE, status, textMessage, WABA, wabaOf } from './helpers.ts'

const NOW = Date.parse('2026-12-01T10:00:00Z')
const ctx: FeederContext = { wabaOf, keywordOf: createKeywordMatcher(DEFAULT_STOP_KEYWORDS), now: NOW }

test('tiers are read in every form Meta sends them; unknown values are unknown, never an error', () => {
  assert.equal(toMessagingTier('TIER_2K'), 'TIER_2K')
  assert.equal(toMessagingTier('tier_250'), 'TIER_250')
  assert.equal(toMessagingTier(2000), 'TIER_2K')
  assert.equal(toMessagingTier('100000'), 'TIER_100K')
  assert.equal(toMessagingTier(-1), 'TIER_UNLIMITED')
  assert.equal(toMessagingTier('-1'), 'TIER_UNLIMITED')
  assert.equal(toMessagingTier('UNLIMITED'), 'TIER_UNLIMITED')
  assert.equal(toMessagingTier('TIER_1K'), 'TIER_1K')
  assert.equal(toMessagingTier('TIER_NOT_SET'), 'TIER_NOT_SET')
  assert.equal(toMessagingTier('TIER_5M'), 'unknown')
  assert.equal(toMessagingTier(1234), 'unknown')
  assert.equal(toMessagingTier(null), 'unknown')
  assert.equal(tierLimit('TIER_50'), 50)
  assert.equal(tierLimit('TIER_1K'), 1000)
  assert.equal(tierLimit('TIER_UNLIMITED'), null)
  assert.equal(tierLimit('TIER_NOT_SET'), undefined)
  assert.equal(tierLimit('unknown'), undefined)
  assert.equal(tierLimit('constructor'), undefined)
})

test('business_capability_update and phone_number_quality_update announce tiers as strings or integers', () => {
  assert.equal(tierFromEvent('business_capability_update', { max_daily_conversations_per_business: 'TIER_10K' }), 'TIER_10K')
  assert.equal(tierFromEvent('business_capability_update', { max_daily_conversations_per_business: 2000, max_phone_numbers_per_waba: 20 }), 'TIER_2K')
  assert.equal(tierFromEvent('business_capability_update', { max_daily_conversation_per_phone: -1 }), 'TIER_UNLIMITED')
  assert.equal(tierFromEvent('business_capability_update', { max_daily_conversations_per_business: 'UNLIMITED' }), 'TIER_UNLIMITED')
  assert.equal(tierFromEvent('phone_number_quality_update', { event: 'ONBOARDING', current_limit: 'TIER_250' }), 'TIER_250')
  assert.equal(tierFromEvent('business_capability_update', { max_phone_numbers_per_business: 2 }), undefined)
  assert.equal(tierFromEvent('account_update', { max_daily_conversations_per_business: 'TIER_2K' }), undefined)
})

test('a failed status with 131050 opts the recipient out; with 131049 it is held 24 h from the status', () => {
  const at = Date.parse('2026-12-01T09:00:00Z')
  assert.deepEqual(actionsForStatus(status({ recipient_id: '16505551234', message_id: 'wamid.A', error_codes: [131050] }), ctx), [{
    type: 'add',
    suppression: { scope: WABA, wa_id: '16505551234', reason: 'opted_out', source: 'status 131050 of wamid.A', created_at: NOW, expires_at: null, created_by: 'outreach-feeder' }
  }])
  const [held] = actionsForStatus(status({ recipient_id: '16505551234', message_id: 'wamid.B', error_codes: [131049], meta_timestamp: at, phone_number_id: '999' }), ctx)
  assert.equal(held?.type === 'add' && held.suppression.reason, 'marketing_limit')
  assert.equal(held?.type === 'add' && held.suppression.expires_at, at + REACH_WINDOW_MS)
  assert.equal(held?.type === 'add' && held.suppression.scope, 'phone:999')
  assert.deepEqual(actionsForStatus(status({ recipient_id: '1', message_id: 'wamid.C', error_codes: [131026] }), ctx), [])
  assert.deepEqual(actionsForStatus(status({ recipient_id: '1', message_id: 'wamid.D', status: 'delivered', error_codes: [131050] }), ctx), [])
})

test('a text that is, whole, a stop keyword suppresses the sender; Italian keywords and any case count', () => {
  const [a] = actionsForMessage(textMessage('393471234567', '  Annulla ', 'wamid.I'), ctx)
  assert.equal(a?.type === 'add' && a.suppression.reason, 'keyword')
  assert.equal(a?.type === 'add' && a.suppression.source, 'keyword ANNULLA in wamid.I')
  assert.equal(actionsForMessage(textMessage('393471234567', 'disiscrivimi', 'wamid.J'), ctx).length, 1)
  assert.equal(actionsForMessage(textMessage('16505551234', 'stop', 'wamid.K'), ctx).length, 1)
  assert.deepEqual(actionsForMessage(textMessage('16505551234', 'please stop the noise', 'wamid.L'), ctx), [])
  assert.deepEqual(actionsForMessage(textMessage('16505551234', 'ciao', 'wamid.M'), ctx), [])
  assert.deepEqual(actionsForMessage({ ...textMessage('16505551234', 'STOP', 'wamid.N'), type: 'image' }, ctx), [])
  const custom = createKeywordMatcher(['BASTA'])
  assert.equal(custom(' basta'), 'BASTA')
  assert.equal(custom('stop'), undefined)
})

test('user_preferences stop opts out and resume lifts only that opt-out', () => {
  const prefs = (value: string) => event('user_preferences', {
    messaging_product: 'whatsapp',
    metadata: { phone_number_id: PHONE },
    user_preferences: [{ wa_id: '16505551234', detail: 'User requested to stop marketing messages', category: 'marketing_messages', value, timestamp: 1764579600 }]
  }, { phone_number_id: PHONE })
  const [stop] = actionsForEvent(prefs('stop'), ctx)
  assert.equal(stop?.type === 'add' && stop.suppression.reason, 'opted_out')
  assert.equal(stop?.type === 'add' && stop.suppression.source, 'user_preferences stop: User requested to stop marketing messages')
  assert.deepEqual(actionsForEvent(prefs('resume'), ctx), [{ type: 'lift', scope: WABA, waId: '16505551234', reason: 'opted_out' }])
  assert.deepEqual(actionsForEvent(event('account_update', {}), ctx), [])
})

test('the feeder never shortens a suppression that still holds', () => {
  const s = (reason: Suppression['reason'], expiresAt: number | null): Suppression => ({ scope: WABA, wa_id: '1', reason, source: '', created_at: NOW, expires_at: expiresAt, created_by: null })
  assert.equal(shouldReplace(undefined, s('opted_out', null), NOW), true)
  assert.equal(shouldReplace(s('opted_out', null), s('marketing_limit', NOW + 1000), NOW), false)
  assert.equal(shouldReplace(s('marketing_limit', NOW + 1000), s('opted_out', null), NOW), true)
  assert.equal(shouldReplace(s('marketing_limit', NOW + 1000), s('marketing_limit', NOW + 2000), NOW), true)
  assert.equal(shouldReplace(s('marketing_limit', NOW - 1), s('marketing_limit', NOW + 10), NOW), true)
  assert.equal(shouldReplace(s('keyword', null), s('opted_out', null), NOW), false)
})

test('the reach window counts each recipient once and expires the oldest first', () => {
  const w = new ReachWindow()
  w.count('a', NOW)
  w.count('b', NOW + 1000)
  w.count('a', NOW + 2000)
  assert.equal(w.size, 2)
  assert.equal(w.nextExpiry(), NOW + 1000 + REACH_WINDOW_MS)
  assert.deepEqual(w.expire(NOW + 1000 + REACH_WINDOW_MS), ['b'])
  assert.equal(w.countedAt('a', NOW + REACH_WINDOW_MS), NOW + 2000)
  w.forget('a', NOW)
  assert.equal(w.size, 1, 'a tombstone older than the count is ignored')
})

test('numbers map to portfolios through their WABA', () => {
  const r = createPortfolioResolver({ phoneWabas: { 1: 'w1', 2: 'w2', 3: 'w3' }, wabaPortfolios: { w1: 'bp', w2: 'bp' } })
  assert.equal(r.portfolioOf('1'), 'bp')
  assert.equal(r.portfolioOf('2'), 'bp')
  assert.equal(r.portfolioOf('3'), 'w3')
  assert.equal(r.portfolioOf('4'), 'phone:4')
  assert.equal(r.wabaOf('4'), undefined)
  assert.equal(r.portfolioOfWaba('w1'), 'bp')
})
