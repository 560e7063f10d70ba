/**
 * The long fault run (`npm run test:faults`, issue 12): by default 12,000 requests (8 numbers ×
 * 1,500 at 10/s each, 150 s of production) through 3 egress instances, with kill -9 of one
 * instance in turns every 12 s (each restarted at once), two 15-s broker stalls, one broker
 * restart, sends the simulator accepts and then answers 502/504 or drops, and one instance paused
 * past its session timeout. Prints the figures against the issue's goals and exits 1 when one is
 * missed; the run's folder keeps every part's log and report.json.
 *
 *   npm run test:faults -- [--numbers 8] [--per-number 1500] [--rate 10] [--instances 3] [--kill-every 12] …
 *
 * `--help` lists every option. Extra environment variables (EGRESS_*, GRAPH_*) reach every egress instance.
 */
import '@wabridge/process/node-floor'
import { parseArgs } from 'node:util'
import { runFaults } from './harness/fault-run.ts'
import type { ScheduledFault } from './harness/faults.ts'
import { checkGoals, formatReport } from './harness/report.ts'

const OPTIONS = {
  numbers: { type: 'string', default: '8', help: 'phone numbers' },
  'per-number': { type: 'string', default: '1500', help: 'requests per number' },
  rate: { type: 'string', default: '10', help: 'requests produced per second per number' },
  mps: { type: 'string', default: '80', help: 'send limit per number (sim and egress), msg/s' },
  partitions: { type: 'string', default: '12', help: 'partitions of every topic' },
  instances: { type: 'string', default: '3', help: 'egress instances in the group' },
  'session-timeout': { type: 'string', default: '6000', help: 'KAFKA_SESSION_TIMEOUT_MS of egress, ms' },
  'kill-every': { type: 'string', default: '12', help: 'seconds between kill -9s (instances in turn; 0 = none)' },
  stalls: { type: 'string', default: '2', help: 'broker stalls (SIGSTOP … SIGCONT)' },
  'stall-seconds': { type: 'string', default: '15', help: 'length of each broker stall, s' },
  'broker-restarts': { type: 'string', default: '1', help: 'broker restarts (SIGTERM, start again)' },
  'sim-faults-every': { type: 'string', default: '20', help: 'seconds between simulator faults (accept then 502, 504, drop; 0 = none)' },
  stale: { type: 'string', default: '1', help: 'instances paused past their session timeout' },
  drain: { type: 'string', default: '180', help: 'seconds every request may take to get its final result once production and faults ended' },
  settle: { type: 'string', default: '60', help: 'seconds unknown results may take to be settled after that' },
  help: { type: 'boolean', default: false, help: 'this text' }
} as const

const { values } = parseArgs({ options: Object.fromEntries(Object.entries(OPTIONS).map(([k, o]) => [k, { type: o.type, default: o.default }])) as typeof OPTIONS })
if (values.help) {
  console.log('npm run test:faults -- [options]\n')
  for (const [name, o] of Object.entries(OPTIONS)) console.log(`  --${name.padEnd(18)} ${o.help}${o.type === 'string' ? ` (default ${o.default})` : ''}`)
  process.exit(0)
}

function num (name: keyof typeof OPTIONS): number {
  const value = Number(values[name])
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a number ≥ 0, not ${String(values[name])}`)
    process.exit(2)
  }
  return value
}

const instances = num('instances')
const sessionTimeoutMs = num('session-timeout')
const productionMs = num('per-number') / num('rate') * 1000
const names = Array.from({ length: instances }, (_, i) => `egress-${i + 1}`)

/** Faults spread over the production time, away from its first and last 10 s. */
function schedule (): ScheduledFault[] {
  const out: ScheduledFault[] = []
  const within = (fraction: number) => Math.round(productionMs * fraction)
  const killEveryMs = num('kill-every') * 1000
  if (killEveryMs > 0) {
    for (let at = 10_000, k = 0; at < productionMs - 10_000; at += killEveryMs, k++) out.push({ atMs: at, kind: 'kill-egress', instance: names[k % instances]! })
  }
  const stalls = num('stalls')
  for (let i = 0; i < stalls; i++) out.push({ atMs: within((i + 1) / (stalls + 2)), kind: 'pause-broker', durationMs: num('stall-seconds') * 1000 })
  const restarts = num('broker-restarts')
  for (let i = 0; i < restarts; i++) out.push({ atMs: within((stalls + 1 + i / Math.max(1, restarts)) / (stalls + 2) + 0.05), kind: 'restart-broker' })
  const stale = num('stale')
  for (let i = 0; i < stale; i++) {
    out.push({ atMs: within(0.4 + i * 0.1), kind: 'pause-egress', instance: names[(i + 1) % instances]!, durationMs: sessionTimeoutMs + 5_000 })
  }
  const simEveryMs = num('sim-faults-every') * 1000
  const kinds = [
    { label: 'accept, then answer 502', action: { type: 'error', httpStatus: 502, accept: true } },
    { label: 'accept, then answer 504', action: { type: 'error', httpStatus: 504, body: 'text', accept: true } },
    { label: 'accept, then drop the connection', action: { type: 'reset', accept: true } }
  ]
  if (simEveryMs > 0) {
    for (let at = 5_000, k = 0; at < productionMs - 5_000; at += simEveryMs, k++) {
      const kind = kinds[k % kinds.length]!
      out.push({ atMs: at, kind: 'sim', label: kind.label, rule: { count: 2, action: kind.action } })
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs)
}

const egressEnv = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && /^(EGRESS_|GRAPH_)/.test(k))) as Record<string, string>

async function main (): Promise<number> {
  const run = await runFaults({
    name: 'long',
    numbers: num('numbers'),
    perNumber: num('per-number'),
    ratePerNumber: num('rate'),
    mps: num('mps'),
    partitions: num('partitions'),
    egressInstances: instances,
    sessionTimeoutMs,
    schedule: schedule(),
    drainTimeoutMs: num('drain') * 1000,
    settleWaitMs: num('settle') * 1000,
    egressEnv,
    log: (line) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`)
  })
  const goals = checkGoals(run.measures, { maxUnknownShare: 0.001, maxPauseMs: 10_000 })
  console.log('\n' + formatReport(run.measures, run.faults, goals, run.startedAt).join('\n'))
  for (const e of run.events) console.log(`event: ${e}`)
  console.log(`\nlogs and report.json: ${run.dir}`)
  return goals.every((g) => g.isMet) ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(`the fault run failed: ${err instanceof Error ? err.stack : String(err)}`)
  process.exitCode = 2
})
