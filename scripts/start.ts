/**
 * `npm start`: the whole local stack on one machine. Starts the local Kafka broker when
 * KAFKA_BROKERS is unset, makes sure the topics exist, prints where everything listens and stays
 * up until Ctrl-C / SIGTERM, then stops what it started in reverse order.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLocalKafka, type LocalKafka } from '@wabridge/local-kafka'
import { createKafkaClient, ensureTopics, topicNames } from '@wabridge/kafka'

const root = resolve(fileURLToPath(import.meta.url), '../..')
const say = (part: string, line: string) => console.log(`[${part.padEnd(7)}] ${line}`)

async function main (): Promise<void> {
  const env = process.env
  let kafka: LocalKafka | undefined
  let brokers = env.KAFKA_BROKERS
  if (!brokers) {
    kafka = createLocalKafka({ stateDir: resolve(root, '.wabridge/kafka'), log: (line) => say('kafka', line) })
    await kafka.start()
    brokers = kafka.brokers.join(',')
  }
  const prefix = env.TOPIC_PREFIX ?? 'wa'
  const client = createKafkaClient({ brokers: brokers.split(','), clientId: 'wabridge-start' })
  const admin = client.admin()
  await admin.connect()
  const topics = await ensureTopics(admin, {
    prefix,
    partitions: Number(env.KAFKA_TOPIC_PARTITIONS ?? 12),
    replicationFactor: Number(env.KAFKA_REPLICATION_FACTOR ?? 1)
  })
  await admin.disconnect()
  say('topics', `${topics.created.length} created, ${topics.existing.length} already there: ${Object.values(topicNames(prefix)).join(', ')}`)

  console.log('')
  console.log('  part            where')
  console.log(`  Kafka           ${brokers}${kafka ? ' (local broker, state in .wabridge/kafka)' : ' (KAFKA_BROKERS)'}`)
  console.log('')
  console.log('  Next: npm run kafka:status    Stop: Ctrl-C')
  console.log('')

  // The broker runs detached; this keeps npm start in the foreground until it is stopped.
  const keepAlive = setInterval(() => {}, 1 << 30)
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    say('start', `${signal}: stopping`)
    // The broker goes last: everything else may still be flushing to it.
    if (kafka) await kafka.stop()
    clearInterval(keepAlive)
    say('start', 'stopped')
  }
  process.once('SIGINT', () => { void stop('SIGINT') })
  process.once('SIGTERM', () => { void stop('SIGTERM') })
}

main().catch((err: unknown) => {
  console.error(`[start  ] ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
