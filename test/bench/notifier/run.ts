/**
 * Notifier benchmark: latency from an alert record written to wa.alerts (acknowledged by Kafka) to
 * the arrival of its notification at a local HTTP receiver. One notifier instance, group_wait 0 (each
 * alert its own group, by scope), the receiver's rate limit out of the way; alerts are written one
 * by one at a steady rate, so the figure is the path, not a queue. The tick (NOTIFIER_TICK_MS, how
 * often due groups are flushed) bounds it from below on average by half a tick.
 *
 *   npx tsx --conditions=source test/bench/notifier/run.ts [alerts=500] [per_second=50] [tick_ms=50]
 *
 * Needs a broker: KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createNotifierApp, loadConfig } from '@wabridge/notifier'
import { createCodec, type Alert } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'

const total = Number(process.argv[2] ?? 500)
const perSecond = Number(process.argv[3] ?? 50)
const tickMs = Number(process.argv[4] ?? 50)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const prefix = `bench-notifier-${randomUUID().slice(0, 8)}`
const out = (line: string) => process.stdout.write(`${line}\n`)

const written = new Map<string, number>()
const latencies: number[] = []
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const at = performance.now()
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { alerts: Array<{ fingerprint: string }> }
    for (const a of body.alerts) {
      const t0 = written.get(a.fingerprint)
      if (t0 !== undefined) latencies.push(at - t0)
    }
    res.end('ok')
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))

const app = createNotifierApp(loadConfig({
  KAFKA_BROKERS: brokers,
  TOPIC_PREFIX: prefix,
  KAFKA_TOPIC_PARTITIONS: '12',
  NOTIFIER_PORT: '0',
  NOTIFIER_WEBHOOK_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
  NOTIFIER_GROUP_BY: 'scope',
  NOTIFIER_GROUP_WAIT_MS: '0',
  NOTIFIER_TICK_MS: String(tickMs),
  NOTIFIER_RATE_PER_MINUTE: '1000000',
  NOTIFIER_RATE_BURST: '1000000',
  NOTIFIER_QUEUE_MAX: '100000'
}), { logger: createLogger({ level: 'warn', name: 'bench-notifier' }) })
await app.start()

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-notifier' })
const producer = createProducer(kafka, { lingerMs: 0 })
await producer.start()
const codec = createCodec()
const topic = topicNames(prefix).alerts
// Let the notifier's first assignment settle (its partitions read up) before timing anything.
for (let i = 0; i < 200 && !app.server.server.listening; i++) await sleep(50)
await sleep(3000)

out(`notifier benchmark: ${total} alerts at ${perSecond}/s, tick ${tickMs} ms, 12 partitions, broker ${brokers}`)
const started = performance.now()
for (let i = 0; i < total; i++) {
  const scope = `phone_number:${106540352242000 + i}`
  const firedAt = Date.now()
  const alert: Alert = {
    alert_id: `throughput_near_limit:${scope}:${firedAt}`,
    name: 'throughput_near_limit',
    scope,
    phone_number_id: scope.slice(13),
    waba_id: '102290129340398',
    state: 'firing',
    severity: 'warning',
    value: 76,
    threshold: 72,
    message: 'bench',
    fired_at: firedAt,
    at: firedAt,
    labels: {}
  }
  const value = await codec.serialize(topic, 'Alert', alert)
  // Timed from the acknowledged write: that is when the alert "is on wa.alerts".
  await producer.send([{ topic, key: `${alert.name}:${scope}`, value }])
  written.set(alert.alert_id, performance.now())
  const next = started + ((i + 1) * 1000) / perSecond
  const wait = next - performance.now()
  if (wait > 0) await sleep(wait)
}
const deadline = Date.now() + 60_000
while (latencies.length < total && Date.now() < deadline) await sleep(50)

const sorted = [...latencies].sort((a, b) => a - b)
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!.toFixed(1)
out(`received ${sorted.length} of ${total} notifications`)
if (sorted.length > 0) {
  out(`latency ms (alert acknowledged on wa.alerts → POST at the receiver): p50 ${pct(50)}  p90 ${pct(90)}  p99 ${pct(99)}  max ${sorted[sorted.length - 1]!.toFixed(1)}  mean ${(sorted.reduce((a, b) => a + b, 0) / sorted.length).toFixed(1)}`)
}
await producer.stop()
await app.stop()
server.close()
