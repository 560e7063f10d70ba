/**
 * The server under test, run as its own process (forked by run.ts): `bare` is a fastify endpoint
 * that parses the JSON body of POST /v1/messages and answers 202, nothing else; `api` is the real
 * HTTP API (createApi) against KAFKA_BROKERS with a key of its own, written to the keys topic
 * before it reports. Reports { url, key } over IPC, stops on 'stop' or SIGTERM.
 */
import Fastify from 'fastify'
import { createApi, loadConfig } from '@wabridge/api'
import { createKafkaClient, createProducer } from '@wabridge/kafka'
import { createCodec, generateApiKey } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'

async function startBare () {
  const app = Fastify({ logger: false })
  app.post('/v1/messages', async (_request, reply) => reply.code(202).send({ request_id: 'x', state: 'queued' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, key: 'none', stop: () => app.close() }
}

async function startApi () {
  const config = loadConfig({ ...process.env, API_PORT: '0', API_HOST: '127.0.0.1' })
  const api = createApi(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'api-bench' }) })
  await api.start()
  await api.whenCaughtUp()
  // A key for the bench's number, with a rate the load never reaches.
  const { keyId, key, secretSha256 } = generateApiKey()
  const kafka = createKafkaClient({ brokers: [...config.KAFKA_BROKERS], clientId: 'api-bench-keys' })
  const producer = createProducer(kafka)
  await producer.start()
  const record = { key_id: keyId, name: 'bench', secret_sha256: secretSha256, waba_ids: [], phone_number_ids: [process.env.BENCH_NUMBER!], rate_per_second: 1e9, burst: 1e9, created_at: Date.now(), revoked_at: null }
  await producer.send([{ topic: config.API_KEYS_TOPIC, key: keyId, value: createCodec().encode('ApiKey', record) }])
  await producer.stop()
  for (;;) {
    const res = await fetch(`${api.url!}/v1/messages/none`, { headers: { authorization: `Bearer ${key}` } })
    if (res.status === 404) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url: api.url!, key, stop: () => api.stop() }
}

const mode = process.argv[2]
const server = mode === 'bare' ? await startBare() : mode === 'api' ? await startApi() : undefined
if (!server) throw new Error('usage: server.ts bare|api')
let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await server.stop()
  process.exit(0)
}
process.on('message', (msg) => { if (msg === 'stop') void stop() })
process.once('SIGTERM', () => { void stop() })
process.send?.({ url: server.url, key: server.key })
