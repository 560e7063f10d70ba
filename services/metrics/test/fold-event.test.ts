import assert from 'node:assert/strict'
import { test } from 'node:test'
import { foldInboundEvent } from '../src/fold/fold-event.ts'
import { createPartitionState } from '../src/state/partition-state.ts'
import { event, PN1, WABA } from './fixtures/records.ts'
import { T0 } from './fixtures/scenario.ts'

const template = (id: string, ev: string) => event({ field: 'message_template_status_update', id, t: T0, value: { event: ev, message_template_id: 9, message_template_name: 'promo', message_template_language: 'en' } })

test('a template alert fires once on PAUSED, however often repeated, and resolves on APPROVED', () => {
  const state = createPartitionState('e', 0)
  foldInboundEvent(state, template('a', 'PAUSED'))
  foldInboundEvent(state, template('b', 'PAUSED'))
  foldInboundEvent(state, template('b', 'PAUSED'))
  foldInboundEvent(state, template('c', 'APPROVED'))
  assert.deepStrictEqual(state.alerts.map((a) => [a.name, a.scope, a.state]), [
    ['template_paused', 'template:9', 'firing'],
    ['template_paused', 'template:9', 'resolved']
  ])
})

test('PAUSED then DISABLED: one alert resolves, the other fires', () => {
  const state = createPartitionState('e', 0)
  foldInboundEvent(state, template('a', 'PAUSED'))
  foldInboundEvent(state, template('b', 'DISABLED'))
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.state}:${a.severity}`), ['template_paused:firing:warning', 'template_paused:resolved:warning', 'template_disabled:firing:critical'])
})

test('messaging tiers and throughput upgrades are remembered from webhooks', () => {
  const state = createPartitionState('e', 0)
  foldInboundEvent(state, event({ field: 'phone_number_quality_update', id: 'q', t: T0, value: { display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_10K' } }))
  assert.equal(state.props.get(`x|tier|${WABA}`), '10000')
  assert.equal(state.props.get('x|mps|15550783881'), '1000')
  foldInboundEvent(state, event({ field: 'business_capability_update', id: 'b', t: T0, value: { max_daily_conversations_per_business: 'TIER_UNLIMITED' } }))
  assert.equal(state.props.get(`x|tier|${WABA}`), 'Infinity')
  // The upgrade is news (info); the first tier heard of is not a change, the second is.
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.severity}:${a.state}`), ['throughput_upgraded:info:firing', 'messaging_limit_changed:info:firing'])
})

test('quality RED and account restriction alerts; restriction lifts with an empty restriction_info', () => {
  const state = createPartitionState('e', 0)
  foldInboundEvent(state, event({ field: 'phone_number_quality_update', id: 'q1', t: T0, value: { display_phone_number: '1555', quality_score: 'RED' } }))
  foldInboundEvent(state, event({ field: 'phone_number_quality_update', id: 'q2', t: T0 + 1, value: { display_phone_number: '1555', quality_score: 'GREEN' } }))
  foldInboundEvent(state, event({ field: 'account_update', id: 'a1', t: T0 + 2, value: { event: 'ACCOUNT_RESTRICTION', restriction_info: [{ restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION' }] } }))
  foldInboundEvent(state, event({ field: 'account_update', id: 'a2', t: T0 + 3, value: { event: 'ACCOUNT_RESTRICTION', restriction_info: [] } }))
  assert.deepStrictEqual(state.alerts.map((a) => `${a.name}:${a.scope}:${a.state}`), [
    'phone_quality_red:display_phone_number:1555:firing',
    'phone_quality_red:display_phone_number:1555:resolved',
    `account_restriction:waba:${WABA}:firing`,
    `account_restriction:waba:${WABA}:resolved`
  ])
})

test('webhook errors with rate-limit codes count for the phone number; duplicates by event id are ignored', () => {
  const state = createPartitionState('e', 0)
  const e = event({ field: 'errors', id: 'x', t: T0, pn: PN1, value: { code: 130429, title: 'Rate limit hit' } })
  assert.equal(foldInboundEvent(state, e), 'counted')
  assert.equal(foldInboundEvent(state, e), 'duplicate')
  assert.equal([...state.recent.values()].reduce((a, b) => a + b, 0), 1)
})
