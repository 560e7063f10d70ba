/**
 * The server under test, run as its own process (forked by run.ts): `bare` is a fastify endpoint
 * that answers 200 to every POST /webhook and does nothing else; `minimal` is issue 18's reference
 * route (verify, parse, one Avro record); `steps-<step>` the ingress's own request path on that
 * fastify up to <step> (verify, parse, split, raw, publish); `ingress` is the real ingress
 * (createIngress) against KAFKA_BROKERS; `no-kafka` is the same ingress with a producer that
 * acknowledges at once, to separate the HTTP/verify/split/encode share from Kafka's;
 * `ingress-platformatic` and `ingress-confluent` are the ingress with @platformatic/kafka or
 * Confluent's client under its producer.
 * Reports its URL over IPC, answers 'cpu' with its process.cpuUsage() (user + system, and system, µs)
 * and its event-loop delay since the last 'cpu' (p99 and max, ms), stops on
 * 'stop' or SIGTERM.
 */
import { createHash } from 'node:crypto'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { ROOT_CONTEXT } from '@opentelemetry/api'
import Fastify, { type FastifyInstance } from 'fastify'
import { createKafkaClient, createProducer, createTopicLimits, type WabridgeProducer } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { createIngress, loadConfig } from '@wabridge/ingress'
import { createCodec } from '@wabridge/schemas'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { firstEntryId, toRawRecord } from '../../../services/ingress/src/raw-record.ts'
import { parseWebhookJson, splitWebhook } from '../../../services/ingress/src/split-webhook.ts'
import { confluentAsKafkajs } from '../kafka-client/confluent-as-kafkajs.ts'
import { platformaticAsKafkajs } from '../kafka-client/platformatic-as-kafkajs.ts'
import { createInstantPublisher } from './instant-publisher.ts'

async function startBare () {
  const app = Fastify({ logger: false })
  app.post('/webhook', async () => ({ status: 'accepted' }))
  return listen(app)
}

/** Listens on a free loopback port: the url and stop of a bench server. */
async function listen (app: FastifyInstance) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, stop: () => app.close() }
}

/** A fastify instance with no logger and no hooks that keeps JSON bodies as raw Buffers (as the ingress does). */
function rawBodyFastify (): FastifyInstance {
  const app = Fastify({ logger: false })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })
  return app
}

/**
 * BENCH_EXTRA_HASHES=N adds N SHA-256 hashes of the body (about 2 µs each here) to every request of
 * `minimal`: a known amount of work, to see what a µs of work costs once the server is the bottleneck.
 */
const EXTRA_HASHES = Number(process.env.BENCH_EXTRA_HASHES ?? 0)

/**
 * `minimal`, the reference route of issue 18: verifies the HMAC over the raw body, parses the JSON
 * and encodes one Avro record (the raw archive record), and nothing else: no split, no
 * validation, no dedup, no second record, no deadline, no hooks.
 */
async function startMinimal () {
  const secret = process.env.WA_APP_SECRETS ?? ''
  const codec = createCodec()
  const app = rawBodyFastify()
  app.post('/webhook', async (request, reply) => {
    const body = request.body as Buffer
    const signature = request.headers['x-hub-signature-256']
    if (!verifyWebhookSignature(body, typeof signature === 'string' ? signature : undefined, [secret]).ok) return reply.code(401).send('bad signature')
    JSON.parse(body.toString('utf8'))
    let hashed = 0
    for (let i = 0; i < EXTRA_HASHES; i++) hashed ^= createHash('sha256').update(body).digest()[0]!
    const encoded = codec.encode('RawWebhook', {
      received_at: Date.now(),
      body,
      signature: signature as string,
      headers: {},
      content_type: 'application/json',
      remote_address: request.ip,
      verified: true,
      body_truncated: false,
      body_size: body.length
    })
    return { status: 'accepted', bytes: encoded.length, ...(EXTRA_HASHES > 0 && { hashed }) }
  })
  return listen(app)
}

/** The ingress's request path in the order it runs; `steps-<step>` runs it up to and including <step>. */
export const STEPS = ['verify', 'parse', 'split', 'raw', 'publish'] as const
type Step = typeof STEPS[number]

/**
 * `steps-<step>`: the ingress's own functions (those of stages.ts) on the bare fastify of `minimal`,
 * up to <step>, then a 200: the ladder from the reference route to the ingress's whole work,
 * without its hooks, logger and error handler (the rest of the difference to `no-kafka`).
 */
async function startSteps (last: Step) {
  const secret = process.env.WA_APP_SECRETS ?? ''
  const upTo = STEPS.indexOf(last)
  const publisher = createInstantPublisher()
  const app = rawBodyFastify()
  app.post('/webhook', async (request) => {
    const body = request.body as Buffer
    const signature = request.headers['x-hub-signature-256']
    if (!verifyWebhookSignature(body, typeof signature === 'string' ? signature : undefined, [secret]).ok) throw new Error('bad signature')
    if (upTo < STEPS.indexOf('parse')) return { status: 'accepted' }
    const payload = parseWebhookJson(body, 64)
    if (upTo < STEPS.indexOf('split')) return { status: 'accepted' }
    const records = splitWebhook(payload, Date.now())
    if (upTo < STEPS.indexOf('raw')) return { status: 'accepted' }
    const raw = toRawRecord({ body, headers: request.headers, remoteAddress: request.ip, receivedAt: Date.now(), wabaId: firstEntryId(payload) })
    if (upTo < STEPS.indexOf('publish')) return { status: 'accepted' }
    const { published } = await publisher.publish([...records, raw], ROOT_CONTEXT)
    return { status: 'accepted', records: published }
  })
  return listen(app)
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
const step = mode?.startsWith('steps-') ? mode.slice('steps-'.length) as Step : undefined
const server = mode === 'bare' ? await startBare() : step !== undefined && STEPS.includes(step) ? await startSteps(step) : mode === 'minimal' ? await startMinimal() : mode !== undefined && mode in clients ? await startIngress(clients[mode as keyof typeof clients]) : undefined
if (!server) throw new Error(`usage: server.ts bare|minimal|steps-<${STEPS.join('|')}>|ingress|no-kafka|ingress-platformatic|ingress-confluent`)
let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await server.stop()
  process.exit(0)
}
// How late the event loop ran its timers (a blocked or starved loop delays every request behind it); reset by each
// 'cpu'. It samples with a timer every 20 ms (5 ms cost a measurable share of CPU at a light load), so 20 is its floor.
const loopDelay = monitorEventLoopDelay({ resolution: 20 })
loopDelay.enable()
process.on('message', (msg) => {
  if (msg === 'stop') void stop()
  if (msg === 'cpu') {
    const { user, system } = process.cpuUsage()
    process.send?.({ cpuUs: user + system, systemUs: system, loopDelayMs: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 } })
    loopDelay.reset()
  }
})
process.once('SIGTERM', () => { void stop() })
process.send?.({ url: server.url })
