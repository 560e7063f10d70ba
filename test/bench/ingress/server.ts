/**
 * The server under test, run as its own process (forked by run.ts): `bare` is a fastify endpoint
 * that answers 200 to every POST /webhook and does nothing else; `ingress` is the real ingress
 * (createIngress) against KAFKA_BROKERS; `no-kafka` is the same ingress with a producer that
 * acknowledges at once, to separate the HTTP/verify/split/encode share from Kafka's.
 * Reports its URL over IPC, answers 'cpu' with its process.cpuUsage() (user + system, and system, µs), stops on
 * 'stop' or SIGTERM.
 */
import Fastify from 'fastify'
import type { WabridgeProducer } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { createIngress, loadConfig } from '@wabridge/ingress'

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

async function startIngress (withKafka: boolean) {
  const config = loadConfig({ ...process.env, INGRESS_PORT: '0', INGRESS_HOST: '127.0.0.1' })
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'ingress-bench' })
  const ingress = createIngress(config, withKafka ? { logger } : { logger, producer: instantProducer })
  await ingress.start()
  return { url: ingress.url!, stop: () => ingress.stop() }
}

const mode = process.argv[2]
const server = mode === 'bare' ? await startBare() : mode === 'ingress' || mode === 'no-kafka' ? await startIngress(mode === 'ingress') : undefined
if (!server) throw new Error('usage: server.ts bare|ingress|no-kafka')
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
