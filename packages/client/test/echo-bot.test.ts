import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startEchoBot } from '../../../examples/echo-bot.ts'
import { inboundText, readRecords, setup } from './helpers.ts'

test('the example bot answers an inbound text message once (a repeat of it is dropped), through the client', async (t) => {
  const s = await setup(t)
  const bot = await startEchoBot({ brokers: s.brokers, prefix: s.prefix, groupId: `bot-${s.prefix}`, fromBeginning: true })
  t.after(() => bot.stop())
  await s.writeMessage(inboundText('wamid.ECHO', 'ping'))
  await s.writeMessage(inboundText('wamid.ECHO', 'ping'))
  await s.writeMessage(inboundText('wamid.AFTER', 'pong'))
  const records = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 2)
  const requests = records.map((r) => s.codec.decode(r.value!, 'OutboundRequest').value)
  assert.deepEqual(requests.map((r) => [r.request_id, r.to, JSON.parse(r.message_json)]).sort(), [
    ['echo-wamid.AFTER', '+16505551234', { type: 'text', text: { body: 'You said: pong' }, context: { message_id: 'wamid.AFTER' } }],
    ['echo-wamid.ECHO', '+16505551234', { type: 'text', text: { body: 'You said: ping' }, context: { message_id: 'wamid.ECHO' } }]
  ])
})
