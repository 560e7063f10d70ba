/**
 * Egress benchmark: a grid of (phone numbers × rate) against the Graph API simulator running in
 * its own process. For each cell a backlog of `seconds` worth of requests is queued first, then
 * one egress instance (its own process, started like `npm run egress`) drains it. Prints per
 * cell: achieved rate per number (min / median, as a share of the limit; "steady" leaves out each
 * number's first --warmup seconds), one-second windows over the limit, and the aggregate msg/s.
 *
 *   node --conditions=source test/bench/egress/run.ts [--grid 10x80,100x80,4x1000] [--seconds 10] [--warmup 5] [--windows off,enforce] [--instances 1,2]
 *
 * --instances runs every cell once per instance count given: N egress processes in one group share
 * the 12 partitions; their CPU is summed (CPU per send, capacity per core).
 *
 * --windows runs every cell once per EGRESS_WINDOW_MODE given (default: off only). With enforce or
 * warn, wa.windows is seeded first with an open customer service window for every (number,
 * recipient) pair, so every request passes the window check: the difference is the check's cost.
 * Printed per cell and mode: also the egress process's CPU time per 1,000 requests (from ready to
 * drained); with more than
 * one mode, the ratios of the aggregate rate, the steady share and the CPU time to the first mode's.
 *
 * Uses KAFKA_BROKERS (default 127.0.0.1:9092: start it with npm run kafka:start). EGRESS_* and
 * GRAPH_* variables of the environment configure the egress under test, as they would the service
 * (PROMETHEUS_PORT too: its /metrics can then be read during the drain, e.g. transactions and calls in flight;
 * and OTEL_*, e.g. OTEL_NODE_ENABLED_INSTRUMENTATIONS for its telemetry);
 * BENCH_EGRESS_NODE_FLAGS adds node flags to it (a CPU profile: `--cpu-prof --cpu-prof-dir=DIR`, then
 * test/bench/ingress/profile-summary.ts on the file).
 */
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createKafkaClient, createProducer, ensureTopics, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { readFile } from 'node:fs/promises'
import { contentTypeFor, createCodec, CSW_DURATION_MS, windowKey, type CustomerWindow, type OutboundRequest } from '@wabridge/schemas'
import { findFreePorts } from '@wabridge/local-kafka'
import { attemptsTopic } from '../../../services/egress/src/app.ts'

const { values } = parseArgs({
  options: {
    grid: { type: 'string', default: '10x80,100x80,4x1000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    windows: { type: 'string', default: 'off' },
    instances: { type: 'string', default: '1' }
  }
})
const modes = values.windows!.split(',').map((m) => m.trim()).filter((m) => m.length > 0)
const instanceCounts = values.instances!.split(',').map(Number)
for (const n of instanceCounts) if (!Number.isInteger(n) || n < 1 || n > 12) throw new Error(`--instances: ${n} is not a count of 1 to 12`)
for (const m of modes) if (!['off', 'warn', 'enforce'].includes(m)) throw new Error(`--windows: ${m} is not off, warn or enforce`)
/** Recipients per number (requests cycle through them). */
const RECIPIENTS = 1000
const recipient = (k: number) => `+1555${String(k % RECIPIENTS).padStart(7, '0')}`
/** Each number's first seconds (new process, JIT, the backlog being taken in) are left out of the steady share. */
const warmupMs = Number(values.warmup) * 1000
const seconds = Number(values.seconds)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const simMain = fileURLToPath(new URL('../../../packages/graph-api-sim/src/main.ts', import.meta.url))
const egressMain = fileURLToPath(new URL('../../../services/egress/src/main.ts', import.meta.url))
/** The node flags of `npm run egress` (package.json), then BENCH_EGRESS_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const EGRESS_NODE_FLAGS = ['--max-semi-space-size=64', ...(process.env.BENCH_EGRESS_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '')]
const codec = createCodec()
const partitions = 12

/** CPU seconds a process used so far (user + system, from /proc). */
async function cpuSecondsOf (pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function startSim (rate: number) {
  const port = await findFreePorts(1)
  const child = spawn(process.execPath, ['--conditions=source', simMain], {
    env: { ...process.env, SIM_PORT: String(port), SIM_DEFAULT_MPS: String(rate), SIM_PAIR_RATE: 'false', SIM_MAX_RECORDS: '5000000', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${url}/_sim/healthz`)).ok) return { url, child } } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('the simulator did not start')
}

/**
 * The egress under test in its own process, started the way `npm run egress` starts it (the same
 * node flags), so that neither the harness nor the simulator share its event loop.
 */
async function startEgress (env: Record<string, string | undefined>) {
  const startedAt = Date.now()
  const child = spawn(process.execPath, [...EGRESS_NODE_FLAGS, '--conditions=source', egressMain], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const cpuSeconds = async () => await cpuSecondsOf(child.pid!)
  const ready = `http://127.0.0.1:${env.EGRESS_PORT}/readyz`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 300) throw new Error('egress did not become ready')
    try { if ((await fetch(ready)).ok) break } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const cpuAtReady = await cpuSeconds()
  return {
    startedAt,
    /** CPU seconds since it was ready (the start, module loading and compilation left out). */
    drainCpuSeconds: async () => await cpuSeconds() - cpuAtReady,
    async stop () {
      child.kill('SIGTERM')
      const code = await exited
      if (code !== 0) console.error(`# egress exited with ${code}`)
    }
  }
}

async function cell (numbers: number, rate: number, windowMode: string, instances: number) {
  const prefix = `bench-eg-${randomUUID().slice(0, 8)}`
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-egress' })
  const admin = kafka.admin()
  await admin.connect()
  await ensureTopics(admin, { prefix, partitions, replicationFactor: 1, only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundMessages'], extra: [{ topic: attemptsTopic(prefix) }, { topic: `${prefix}.windows`, configs: { 'cleanup.policy': 'compact' } }] })
  await admin.disconnect()
  const ids = Array.from({ length: numbers }, (_, i) => String(7_000_000 + i))
  const perNumber = rate * seconds
  const producer = createProducer(kafka)
  await producer.start()
  if (windowMode !== 'off') {
    // Every customer wrote an hour ago: every request passes the check (its cost is what is measured).
    const at = Date.now() - 3_600_000
    const windows = ids.flatMap((n) => Array.from({ length: Math.min(RECIPIENTS, perNumber) }, (_, k): CustomerWindow => ({
      phone_number_id: n, wa_id: recipient(k).slice(1), last_inbound_at: at, last_inbound_id: `wamid.bench.${k}`, csw_expires_at: at + CSW_DURATION_MS, referral_at: null, fep_opened_at: null, fep_expires_at: null, updated_at: at
    })))
    for (let i = 0; i < windows.length; i += 1000) {
      await producer.send(windows.slice(i, i + 1000).map((w) => ({ topic: `${prefix}.windows`, key: windowKey(w.phone_number_id, w.wa_id), value: codec.encode('CustomerWindow', w) })))
    }
  }
  const topic = topicNames(prefix).outboundRequests
  for (let i = 0; i < perNumber; i += 50) {
    const batch = ids.flatMap((n) => Array.from({ length: Math.min(50, perNumber - i) }, (_, j) => {
      const r: OutboundRequest = { request_id: `${n}-${i + j}`, phone_number_id: n, to: recipient(i + j), message_json: '{"type":"text","text":{"body":"benchmark"}}', expires_at: null, metadata: {}, created_at: Date.now() }
      return { topic, key: n, value: codec.encode('OutboundRequest', r), headers: toKafkaHeaders({ eventId: r.request_id!, contentType: contentTypeFor('OutboundRequest') }) }
    }))
    await producer.send(batch)
  }
  await producer.stop()

  const sim = await startSim(rate)
  const ports = await Promise.all(Array.from({ length: instances }, async () => await findFreePorts(1)))
  const egresses = await Promise.all(ports.map(async (egressPort) => await startEgress({
    // EGRESS_* and GRAPH_* settings of the environment apply (except the cell's rate), to compare configurations;
    // PROMETHEUS_PORT lets egress's own metrics (transactions, writes per transaction) be scraped during the drain;
    // with OTEL_* (e.g. OTEL_NODE_ENABLED_INSTRUMENTATIONS) egress runs its telemetry as configured.
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('EGRESS_') || k.startsWith('GRAPH_') || k.startsWith('PROMETHEUS_') || k.startsWith('OTEL_'))),
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    EGRESS_GROUP_ID: `g-${prefix}`,
    GRAPH_API_BASE_URL: sim.url,
    WA_ACCESS_TOKEN: 'bench',
    EGRESS_PORT: String(egressPort),
    EGRESS_COUNT_INBOUND: 'false',
    EGRESS_DEFAULT_MPS: String(rate),
    EGRESS_WINDOW_MODE: windowMode,
    LOG_LEVEL: 'warn'
  })))
  const egress = {
    startedAt: Math.min(...egresses.map((e) => e.startedAt)),
    drainCpuSeconds: async () => (await Promise.all(egresses.map(async (e) => await e.drainCpuSeconds()))).reduce((a, b) => a + b, 0),
    stop: async () => { await Promise.all(egresses.map(async (e) => { await e.stop() })) }
  }
  const simCpuAtStart = await cpuSecondsOf(sim.child.pid!)
  const total = numbers * perNumber
  const started = egress.startedAt
  // Polls the simulator's counters only: its full stats (windows, duplicates) cost it CPU that the run shares.
  for (;;) {
    const counts = await (await fetch(`${sim.url}/_sim/counts`)).json() as { accepted: number, refused: number }
    if (counts.accepted + counts.refused >= total || Date.now() - started > (seconds * 4 + 60) * 1000) break
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const wallMs = Date.now() - started
  const cpu = await egress.drainCpuSeconds()
  const simCpu = await cpuSecondsOf(sim.child.pid!) - simCpuAtStart
  await egress.stop()
  const stats = await (await fetch(`${sim.url}/_sim/stats`)).json() as { accepted: number, refused: number, phoneNumbers: Record<string, { maxInWindow: number }> }

  const shares: number[] = []
  const steadyShares: number[] = []
  let first = Infinity
  let last = 0
  for (const n of ids) {
    const { messages } = await (await fetch(`${sim.url}/_sim/messages?phone_number_id=${n}&limit=1000000`)).json() as { messages: Array<{ acceptedAt: number }> }
    const times = messages.map((m) => m.acceptedAt).sort((a, b) => a - b)
    if (times.length < 2) { shares.push(0); steadyShares.push(0); continue }
    first = Math.min(first, times[0]!)
    last = Math.max(last, times[times.length - 1]!)
    // Egress spreads sends evenly, so under a backlog the ideal is one every 1/rate s from the first.
    const achievedPerSecond = (times.length - 1) * 1000 / (times[times.length - 1]! - times[0]!)
    shares.push(achievedPerSecond / rate)
    const steady = times.filter((t) => t >= times[0]! + warmupMs)
    steadyShares.push(steady.length < 2 ? NaN : (steady.length - 1) * 1000 / (steady[steady.length - 1]! - steady[0]!) / rate)
  }
  sim.child.kill('SIGTERM')
  // Every cell's topics are removed, so that later cells and runs do not pay for them in the broker.
  const cleanup = kafka.admin()
  await cleanup.connect()
  const names = topicNames(prefix)
  await cleanup.deleteGroups([`g-${prefix}`]).catch(() => {})
  await cleanup.deleteTopics({ topics: [names.outboundRequests, names.outboundResults, names.outboundDlq, names.inboundMessages, attemptsTopic(prefix), `${prefix}.windows`] })
    .catch((err: unknown) => console.error(`# could not delete the cell's topics: ${(err as Error).message}`))
  await cleanup.disconnect()
  shares.sort((a, b) => a - b)
  steadyShares.sort((a, b) => a - b)
  const over = Object.values(stats.phoneNumbers).filter((p) => p.maxInWindow > rate).length
  return {
    cell: `${numbers}×${rate}/s`,
    windows: windowMode,
    instances,
    requests: total,
    accepted: stats.accepted,
    refused: stats.refused,
    'windows over limit (numbers)': over,
    'share of limit min': shares[0]!.toFixed(3),
    'share of limit median': shares[Math.floor(shares.length / 2)]!.toFixed(3),
    'steady share min': steadyShares[0]!.toFixed(3),
    'steady share median': steadyShares[Math.floor(steadyShares.length / 2)]!.toFixed(3),
    'aggregate msg/s': Math.round(stats.accepted / ((last - first) / 1000)),
    'egress CPU ms / 1000 req': Math.round(cpu * 1000 / total * 1000),
    'sim CPU ms / 1000 req': Math.round(simCpu * 1000 / total * 1000),
    'wall s': (wallMs / 1000).toFixed(1)
  }
}

type Row = Awaited<ReturnType<typeof cell>>
const rows: Row[] = []
const ratios: Array<Record<string, string>> = []
for (const spec of values.grid!.split(',')) {
  const [n, r] = spec.split('x').map(Number)
  const base = rows.length
  for (const mode of modes) {
    for (const instances of instanceCounts) {
      rows.push(await cell(n!, r!, mode, instances))
      console.table(rows.slice(-1))
    }
  }
  for (const row of rows.slice(base + 1)) {
    const first = rows[base]!
    ratios.push({
      cell: row.cell,
      [`${row.windows} ×${row.instances} / ${first.windows} ×${first.instances}`]: '',
      'aggregate msg/s': (row['aggregate msg/s'] / first['aggregate msg/s']).toFixed(3),
      'steady share median': (Number(row['steady share median']) / Number(first['steady share median'])).toFixed(3),
      'steady share min': (Number(row['steady share min']) / Number(first['steady share min'])).toFixed(3),
      'egress CPU / req': (row['egress CPU ms / 1000 req'] / first['egress CPU ms / 1000 req']).toFixed(3)
    })
  }
}
console.log('\negress benchmark, backlog of', seconds, 's per number')
console.table(rows)
// Capacity per core from the CPU each send cost egress (measured while it also shared the cores with the
// broker and the simulator): sends per second one fully busy core would carry, and numbers at 80 and 1,000/s.
console.log('\ncapacity of one egress core, from its CPU per send in each cell:')
console.table(rows.map((r) => {
  const perSecond = 1e6 / r['egress CPU ms / 1000 req']
  return { cell: r.cell, windows: r.windows, instances: r.instances, 'egress CPU µs / send': r['egress CPU ms / 1000 req'], 'sim CPU µs / send': r['sim CPU ms / 1000 req'], 'sends/s per core': Math.round(perSecond), 'numbers at 80/s': Math.floor(perSecond / 80), 'numbers at 1,000/s': Math.floor(perSecond / 1000) }
}))
if (ratios.length > 0) {
  console.log(`\neach window mode and instance count against the first (${modes[0]}, ${instanceCounts[0]} instance(s))`)
  console.table(ratios)
}
