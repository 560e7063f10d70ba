/**
 * The window check's own cost per request, in process: a real window tracker (@wabridge/conversations)
 * loaded from a seeded wa.windows (`--pairs` open windows) on the broker, then egress's send checks
 * (services/egress/src/send-checks.ts) judging `--requests` free-form requests to those customers,
 * timed with CPU time (process.cpuUsage) and wall time. Every window is open, as in run.ts
 * --windows enforce: no sync, no refusal — the per-request price every send pays.
 *
 *   node --conditions=source test/bench/egress/window-check.ts [--pairs 100000] [--requests 1000000] [--egress-cpu-us N]
 *
 * --egress-cpu-us: egress's CPU per request without the check (run.ts' "egress CPU ms / 1000 req"
 * of a mode-off cell, in µs); the check's share of it is printed. Uses KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createWindowTracker } from '@wabridge/conversations'
import { createKafkaClient, createProducer, ensureTopics } from '@wabridge/kafka'
import { createCodec, CSW_DURATION_MS, windowKey, type CustomerWindow, type OutboundRequest } from '@wabridge/schemas'
import { createSendChecks } from '../../../services/egress/src/send-checks.ts'

const { values } = parseArgs({ options: { pairs: { type: 'string', default: '100000' }, requests: { type: 'string', default: '1000000' }, 'egress-cpu-us': { type: 'string' } } })
const pairs = Number(values.pairs)
const requests = Number(values.requests)
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const codec = createCodec()
const prefix = `bench-wc-${randomUUID().slice(0, 8)}`
const NUMBERS = 100
const number = (i: number) => String(7_000_000 + (i % NUMBERS))
const customer = (i: number) => `1555${String(Math.floor(i / NUMBERS)).padStart(7, '0')}`

const kafka = createKafkaClient({ brokers, clientId: 'bench-window-check' })
const admin = kafka.admin()
await admin.connect()
await ensureTopics(admin, { prefix, partitions: 12, replicationFactor: 1, only: ['inboundMessages'], extra: [{ topic: `${prefix}.windows`, configs: { 'cleanup.policy': 'compact' } }] })
const producer = createProducer(kafka)
await producer.start()
const at = Date.now() - 3_600_000
for (let i = 0; i < pairs; i += 2000) {
  await producer.send(Array.from({ length: Math.min(2000, pairs - i) }, (_, k): { topic: string, key: string, value: Buffer } => {
    const w: CustomerWindow = { phone_number_id: number(i + k), wa_id: customer(i + k), last_inbound_at: at, last_inbound_id: `wamid.${i + k}`, csw_expires_at: at + CSW_DURATION_MS, referral_at: null, fep_opened_at: null, fep_expires_at: null, updated_at: at }
    return { topic: `${prefix}.windows`, key: windowKey(w.phone_number_id, w.wa_id), value: codec.encode('CustomerWindow', w) }
  }))
}
await producer.stop()
const tracker = createWindowTracker(kafka, { prefix, codec, admin, sweepIntervalMs: 0 })
const loadStarted = Date.now()
await tracker.start()
if (!await tracker.caughtUp(Date.now() + 300_000)) throw new Error('the tracker did not load')
const loadMs = Date.now() - loadStarted
const memory = process.memoryUsage().heapUsed

let refused = 0
const checks = createSendChecks({
  windowMode: 'enforce',
  syncMs: 2000,
  windows: tracker,
  templateCheck: 'off',
  wabaOf: () => undefined,
  clock: Date.now,
  metrics: { windowRefused: () => { refused++ }, windowUnconfirmed: () => {}, templateRefused: () => {} }
})
// The requests as egress holds them after decoding: the record and the parsed message.
const message = { type: 'text', text: { body: 'benchmark' } }
const records: OutboundRequest[] = Array.from({ length: Math.min(pairs, 100_000) }, (_, i) => ({
  request_id: `r${i}`, phone_number_id: number(i), to: `+${customer(i)}`, message_json: JSON.stringify(message), expires_at: null, metadata: {}, created_at: Date.now()
}))
// Warm-up (JIT), then the timed run.
for (let i = 0; i < 50_000; i++) await checks.judge(records[i % records.length]!, message)
const cpu0 = process.cpuUsage()
const wall0 = process.hrtime.bigint()
for (let i = 0; i < requests; i++) await checks.judge(records[i % records.length]!, message)
const wallNs = Number(process.hrtime.bigint() - wall0)
const cpu = process.cpuUsage(cpu0)
await tracker.stop()
const cleanup = kafka.admin()
await cleanup.connect()
await cleanup.deleteTopics({ topics: [`${prefix}.windows`, `${prefix}.inbound.messages`] }).catch(() => {})
await cleanup.disconnect()
await admin.disconnect()

const cpuUs = (cpu.user + cpu.system) / requests
const row: Record<string, string | number> = {
  'windows loaded': tracker.size(),
  'load s': (loadMs / 1000).toFixed(1),
  'heap MB after load': Math.round(memory / 1048576),
  requests,
  refused,
  'CPU µs / check': cpuUs.toFixed(3),
  'wall µs / check': (wallNs / 1000 / requests).toFixed(3)
}
if (values['egress-cpu-us'] !== undefined) row['share of egress CPU / request'] = `${(cpuUs / Number(values['egress-cpu-us']) * 100).toFixed(2)} %`
console.table([row])
process.exit(0)
