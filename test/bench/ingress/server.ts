/**
 * The server under test, run as its own process (forked by run.ts): `bare` is a fastify endpoint
 * that answers 200 to every POST /webhook and does nothing else; `ingress` is the real ingress
 * (createIngress) against KAFKA_BROKERS; `no-kafka` is the same ingress with a producer that
 * acknowledges at once, to separate the HTTP/verify/split/encode share from Kafka's;
 * `ingress-platformatic` and `ingress-confluent` are the ingress with @platformatic/kafka or
 * Confluent's client under its producer.
 * Reports its URL over IPC, answers 'cpu' with its process.cpuUsage() (user + system, and system, µs), stops on
 * 'stop' or SIGTERM.
 */
import Fastify from 'fastify'
import { createKafkaClient, createProducer, createTopicLimits, type WabridgeProducer } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { createIngress, loadConfig } from '@wabridge/ingress'
import { confluentAsKafkajs } from '../kafka-client/confluent-as-kafkajs.ts'
import { platformaticAsKafkajs } from '../kafka-client/platformatic-as-kafkajs.ts'

async function startBare () {
  const app = Fastify({ logger: false })
  app.post('/webhook', async () => ({ status: 'accepted' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, stop: () => app.close() }
}

/** Acknowledges every send at once: the ingress without Kafka's cost. */
const instantProducer: WabridgeProducer = {
  isConnected: true,
  start: async () => {},
  stop: async () => {},
  send: async () => [],
  stats: () => ({ batches: 0, records: 0, failures: 0 })
}

/**
 * `kafkajs`: the ingress as it ships; `none`: the instant producer; `platformatic` / `confluent`:
 * @wabridge/kafka's producer with @platformatic/kafka or Confluent's client in place of kafkajs
 * (../kafka-client/*-as-kafkajs.ts; Confluent's is loaded from BENCH_CONFLUENT_MODULE).
 */
async function startIngress (client: 'kafkajs' | 'none' | 'platformatic' | 'confluent') {
  const config = loadConfig({ ...process.env, INGRESS_PORT: '0', INGRESS_HOST: '127.0.0.1' })
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'ingress-bench' })
  const underneath = () => {
    if (client === 'platformatic') return platformaticAsKafkajs([...config.KAFKA_BROKERS])
    const modulePath = process.env.BENCH_CONFLUENT_MODULE
    if (!modulePath) throw new Error('BENCH_CONFLUENT_MODULE must name the directory of a built @confluentinc/kafka-javascript')
    return confluentAsKafkajs(modulePath, [...config.KAFKA_BROKERS])
  }
  const other = () => createProducer(underneath(), {
    lingerMs: config.PRODUCE_LINGER_MS,
    maxBatchRecords: config.PRODUCE_MAX_BATCH_RECORDS,
    maxRetryTimeMs: config.PRODUCE_MAX_RETRY_MS,
    // Topic metadata (not the hot path) still comes from a kafkajs admin.
    limits: createTopicLimits(createKafkaClient({ brokers: [...config.KAFKA_BROKERS], clientId: 'ingress-bench-limits' }))
  })
  const producer = client === 'none' ? instantProducer : client === 'kafkajs' ? undefined : other()
  const ingress = createIngress(config, producer ? { logger, producer } : { logger })
  await ingress.start()
  return { url: ingress.url!, stop: () => ingress.stop() }
}

const mode = process.argv[2]
const clients = { ingress: 'kafkajs', 'no-kafka': 'none', 'ingress-platformatic': 'platformatic', 'ingress-confluent': 'confluent' } as const
const server = mode === 'bare' ? await startBare() : mode !== undefined && mode in clients ? await startIngress(clients[mode as keyof typeof clients]) : undefined
if (!server) throw new Error('usage: server.ts bare|ingress|no-kafka|ingress-platformatic|ingress-confluent')
let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await server.stop()
  process.exit(0)
}
process.on('message', (msg) => {
  if (msg === 'stop') void stop()
  if (msg === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.send?.({ cpuUs: user + system, systemUs: system })
  }
})
process.once('SIGTERM', () => { void stop() })
process.send?.({ url: server.url })
