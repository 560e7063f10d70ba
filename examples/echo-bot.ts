/**
 * An example bot: every inbound text message gets an answer. It only reads and writes Kafka
 * topics, through @wabridge/client — wabridge deals with Meta. Run it next to `npm start`:
 *
 *   npm run demo:bot
 */
import { createClient } from '@wabridge/client'

export async function startEchoBot (options: { brokers: string[], prefix: string, groupId?: string, fromBeginning?: boolean }) {
  const client = createClient({ brokers: options.brokers, topicPrefix: options.prefix, clientId: 'echo-bot' })
  // The client drops a message Meta delivered twice (same event id) and commits each offset only
  // after the handler resolved: a message is answered at least once, and a crash never loses one.
  await client.onMessage(async (message) => {
    if (message.type !== 'text') return
    const text = (JSON.parse(message.message_json) as { text?: { body?: string } }).text?.body ?? ''
    await client.send({
      // The inbound event id makes the reply's id deterministic: egress sends a redelivered message's answer once.
      request_id: `echo-${message.event_id}`,
      phone_number_id: message.phone_number_id,
      to: `+${message.customer_wa_id}`,
      message: { type: 'text', text: { body: `You said: ${text}` }, context: { message_id: message.message_id } },
      expires_at: new Date(Date.now() + 60_000),
      metadata: { bot: 'echo' }
    })
  }, { groupId: options.groupId ?? 'echo-bot', fromBeginning: options.fromBeginning ?? false })
  return { stop: () => client.close() }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bot = await startEchoBot({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), prefix: process.env.TOPIC_PREFIX ?? 'wa', groupId: process.env.BOT_GROUP_ID ?? 'echo-bot' })
  process.stdout.write('echo bot running: answering every inbound text message (Ctrl-C stops)\n')
  const stop = () => { void bot.stop().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
