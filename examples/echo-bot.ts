/**
 * An example bot: every inbound text message gets an answer. It only reads and writes Kafka
 * topics — wabridge deals with Meta. Run it next to `npm start`:
 *
 *   npm run demo:bot
 */
import { createConsumer, createKafkaClient, createProducer, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, createCodec } from '@wabridge/schemas'

export async function startEchoBot (options: { brokers: string[], prefix: string, groupId?: string, fromBeginning?: boolean }) {
  const topics = topicNames(options.prefix)
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: 'echo-bot' })
  const codec = createCodec()
  const producer = createProducer(kafka)
  const consumer = createConsumer(kafka, { groupId: options.groupId ?? 'echo-bot', topics: [topics.inboundMessages], fromBeginning: options.fromBeginning ?? false, maxWaitTimeMs: 200 })
  await producer.start()
  await consumer.start({
    eachMessage: async ({ topic, partition, message }) => {
      const { value: inbound } = await codec.deserialize(message.value!, 'InboundMessage')
      if (inbound.type === 'text') {
        const text = (JSON.parse(inbound.message_json) as { text?: { body?: string } }).text?.body ?? ''
        const request = {
          // The inbound event id makes the reply's id deterministic: a redelivered message is answered once.
          request_id: `echo-${inbound.event_id}`,
          phone_number_id: inbound.phone_number_id,
          to: `+${inbound.customer_wa_id}`,
          message_json: JSON.stringify({ type: 'text', text: { body: `You said: ${text}` }, context: { message_id: inbound.message_id } }),
          expires_at: Date.now() + 60_000,
          metadata: { bot: 'echo' },
          created_at: Date.now()
        }
        await producer.send([{
          topic: topics.outboundRequests,
          key: request.phone_number_id,
          value: codec.encode('OutboundRequest', request),
          headers: toKafkaHeaders({ eventId: request.request_id, contentType: contentTypeFor('OutboundRequest') })
        }])
      }
      await consumer.commit([{ topic, partition, offset: String(BigInt(message.offset) + 1n) }])
    }
  })
  return { stop: async () => { await consumer.stop(); await producer.stop() } }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bot = await startEchoBot({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), prefix: process.env.TOPIC_PREFIX ?? 'wa', groupId: process.env.BOT_GROUP_ID ?? 'echo-bot' })
  process.stdout.write('echo bot running: answering every inbound text message (Ctrl-C stops)\n')
  const stop = () => { void bot.stop().then(() => process.exit(0)) }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
