import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ensureTopics } from '@wabridge/kafka'
import { REACH_WINDOW_MS, startSuppressionFeeder } from '../src/index.ts'
import { codec, event, logger, manualClock, PHONE, produce, startStore, status, testKafka, textMessage, uniqueName, WABA, wabaOf, waitFor } from './helpers.ts'

test('the feeder suppresses on 131050, holds 24 h on 131049, honours stop keywords and user_preferences, and ignores other text', async (t) => {
  const clock = manualClock()
  const prefix = uniqueName('outreach')
  const topics = { statuses: `${prefix}.inbound.statuses`, messages: `${prefix}.inbound.messages`, events: `${prefix}.inbound.events` }
  const admin = testKafka().admin()
  await admin.connect()
  await ensureTopics(admin, { prefix, partitions: 1, only: ['inboundStatuses', 'inboundMessages', 'inboundEvents'] })
  await admin.disconnect()
  const { store } = await startStore(t, { clock: clock.now })
  const feeder = await startSuppressionFeeder({
    kafka: testKafka(), codec, store, topics, groupId: uniqueName('feeder'), keywords: ['STOP', 'UNSUBSCRIBE', 'ANNULLA', 'DISISCRIVIMI'], wabaOf, clock: clock.now, logger
  })
  t.after(() => feeder.stop())

  const statusAt = Date.parse('2026-12-01T09:30:00Z')
  const prefs = (waId: string, value: string) => event('user_preferences', {
    metadata: { phone_number_id: PHONE }, user_preferences: [{ wa_id: waId, category: 'marketing_messages', value, detail: 'User requested', timestamp: 1 }]
  }, { phone_number_id: PHONE })
  await produce(t, [
    { topic: topics.statuses, key: 'a', value: codec.encode('InboundStatus', status({ recipient_id: '16505550001', message_id: 'wamid.OPT', error_codes: [131050] })) },
    { topic: topics.statuses, key: 'b', value: codec.encode('InboundStatus', status({ recipient_id: '16505550002', message_id: 'wamid.LIM', error_codes: [131049], meta_timestamp: statusAt })) },
    { topic: topics.statuses, key: 'c', value: codec.encode('InboundStatus', status({ recipient_id: '16505550003', message_id: 'wamid.OTHER', error_codes: [131026] })) },
    // An opted-out recipient's later 131049 must not shorten the opt-out.
    { topic: topics.statuses, key: 'a', value: codec.encode('InboundStatus', status({ recipient_id: '16505550001', message_id: 'wamid.LIM2', error_codes: [131049] })) },
    { topic: topics.messages, key: 'd', value: codec.encode('InboundMessage', textMessage('393471230004', ' Annulla', 'wamid.IT')) },
    { topic: topics.messages, key: 'e', value: codec.encode('InboundMessage', textMessage('393471230005', 'non annullare il mio ordine', 'wamid.NO')) },
    { topic: topics.events, key: 'f', value: codec.encode('InboundEvent', prefs('16505550006', 'stop')) },
    { topic: topics.messages, key: 'g', value: Buffer.from('not avro') },
    { topic: topics.events, key: 'h', value: codec.encode('InboundEvent', prefs('16505550007', 'stop')) },
    { topic: topics.events, key: 'h', value: codec.encode('InboundEvent', prefs('16505550007', 'resume')) },
    // The last record of each topic (topics are read side by side, each in order).
    { topic: topics.messages, key: 'z', value: codec.encode('InboundMessage', textMessage('393471230009', 'STOP', 'wamid.LAST')) },
    { topic: topics.statuses, key: 'z', value: codec.encode('InboundStatus', status({ recipient_id: '16505550010', message_id: 'wamid.LAST', error_codes: [131050] })) },
    { topic: topics.events, key: 'z', value: codec.encode('InboundEvent', prefs('16505550011', 'stop')) }
  ])
  await waitFor(() => ['393471230009', '16505550010', '16505550011'].every((w) => store.isSuppressed(WABA, w) !== undefined), 30_000, 'the last record of each topic to be read')

  assert.equal(store.isSuppressed(WABA, '16505550001')?.reason, 'opted_out')
  assert.equal(store.isSuppressed(WABA, '16505550001')?.expires_at, null)
  const held = store.isSuppressed(WABA, '16505550002')
  assert.equal(held?.reason, 'marketing_limit')
  assert.equal(held?.expires_at, statusAt + REACH_WINDOW_MS)
  assert.equal(held?.source, 'status 131049 of wamid.LIM')
  assert.equal(store.isSuppressed(WABA, '16505550003'), undefined)
  assert.equal(store.isSuppressed(WABA, '393471230004')?.reason, 'keyword')
  assert.equal(store.isSuppressed(WABA, '393471230004')?.source, 'keyword ANNULLA in wamid.IT')
  assert.equal(store.isSuppressed(WABA, '393471230005'), undefined)
  assert.equal(store.isSuppressed(WABA, '16505550006')?.reason, 'opted_out')
  assert.equal(store.isSuppressed(WABA, '16505550007'), undefined, 'resume lifted the opt-out')
  assert.equal(store.size, 7)
  // 24 h after the status the marketing limit no longer holds.
  clock.advance(statusAt + REACH_WINDOW_MS - clock.now())
  assert.equal(store.isSuppressed(WABA, '16505550002'), undefined)
  assert.equal(store.isSuppressed(WABA, '16505550001')?.reason, 'opted_out')
})
