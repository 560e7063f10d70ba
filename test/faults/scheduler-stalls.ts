/**
 * The scheduler under broker stalls and membership churn (`npm run test:faults:scheduler`): a
 * private one-node broker that is SIGSTOPped in bursts (up to 8 s, past the 6-s session timeout, so
 * members are dropped from the group while they still hold partitions) while scheduler instances
 * in one group are stopped and started, and scheduled requests fall due. Counts, per round, the
 * requests released twice (two records at two offsets of the requests topic) and those never
 * released; exits 1 when either is not 0.
 *
 *   npm run test:faults:scheduler -- [--rounds 3] [--requests 2000] [--spread 25] [--seed 1]
 *
 * Before the fix of 2026-12-07 (a new owner read the partition's state before its producer had
 * fenced the old owner: kafkajs fences only at the first transaction, not at connect), 2 of 4
 * rounds released 5–6 requests twice.
 */
import '@wabridge/process/node-floor'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { createSchedulerApp, loadConfig, type SchedulerApp } from '../../services/scheduler/src/index.ts'
import { codec, request, schedule, testEnv } from '../../services/scheduler/test/helpers.ts'
import { startFaultBroker } from './harness/broker.ts'
import { createProcessGroup } from './harness/children.ts'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '2000' },
    spread: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' }
  }
})
const rounds = Number(args.rounds)
const total = Number(args.requests)
const spreadMs = Number(args.spread) * 1000

// A small seeded generator: a failing round can be run again with the same stalls and churn.
let state = Number(args.seed) >>> 0 || 1
const random = () => { state ^= state << 13; state ^= state >>> 17; state ^= state << 5; return (state >>> 0) / 2 ** 32 }

const numbers = Array.from({ length: 16 }, (_, i) => `1065403522429${String(i).padStart(2, '0')}`)

// The harness's broker: its JVM is killed with this process even when a round crashes mid-stall.
const dir = await mkdtemp(join(tmpdir(), 'wabridge-scheduler-stalls-'))
const broker = await startFaultBroker({ dir, group: createProcessGroup(dir) })
const brokers = broker.brokers
// The scheduler tests' helpers (testEnv, schedule) take the brokers from the environment.
process.env.KAFKA_BROKERS = brokers.join(',')

async function runRound (round: number): Promise<{ duplicates: number, lost: number }> {
  // Its own topics and group, 4 partitions, a 6-s session (LOG_LEVEL from TEST_LOG_LEVEL).
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '4' })
  const prefix = env.TOPIC_PREFIX!
  const apps = new Set<SchedulerApp>()
  const start = async () => {
    const config = loadConfig(env)
    const app = createSchedulerApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: `scheduler-${apps.size}` }) })
    apps.add(app)
    await app.start()
    return app
  }
  const stop = async (app: SchedulerApp) => { apps.delete(app); await app.stop() }
  await start()
  await start()

  // The requests topic, read committed; a record read again at the same offset (the reader's own group rebalanced) counts once.
  const kafka = createKafkaClient({ brokers, clientId: `reader-${prefix}` })
  const seen = new Map<string, string>()
  const reader = kafka.consumer({ groupId: `reader-${prefix}`, sessionTimeout: 30_000 })
  await reader.connect()
  await reader.subscribe({ topics: [topicNames(prefix).outboundRequests], fromBeginning: true })
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      const released = (await codec.deserialize(message.value!, 'OutboundRequest')).value
      seen.set(`${partition}@${message.offset}`, released.request_id!)
    }
  })

  const due = Date.now() + 2000
  const requests = Array.from({ length: total }, (_, i) => request({ phone_number_id: numbers[i % numbers.length]!, send_at: due + Math.floor(i * spreadMs / total) }))
  await schedule(prefix, requests)

  // Stalls of the broker and churn of the instances until the last request is due.
  let stalls = 0
  let stalledMs = 0
  const stalling = (async () => {
    while (Date.now() < due + spreadMs) {
      await sleep(1000 + random() * 3000)
      const ms = Math.floor(random() * 8000)
      await broker.pause(1)
      await sleep(ms)
      await broker.resume(1)
      stalls++
      stalledMs += ms
    }
  })()
  let churns = 0
  while (Date.now() < due + spreadMs) {
    await sleep(800 + random() * 1500)
    const list = [...apps]
    const gone = list[Math.floor(random() * list.length)]!
    const stopping = stop(gone)
    if (random() < 0.5 || apps.size === 0) await start()
    if (apps.size < 3 && random() < 0.5) await start()
    await stopping
    churns++
  }
  await stalling

  const deadline = Date.now() + 120_000
  while (new Set(seen.values()).size < total && Date.now() < deadline) await sleep(200)
  await sleep(3000)
  for (const app of apps) await stop(app)
  await reader.disconnect()

  const byId = new Map<string, number>()
  for (const id of seen.values()) byId.set(id, (byId.get(id) ?? 0) + 1)
  const duplicates = [...byId.values()].filter((n) => n > 1).length
  const lost = requests.filter((r) => !byId.has(r.request_id!)).length
  console.log(`round ${round}: ${total} requests, ${churns} instance changes, ${stalls} broker stalls (${(stalledMs / 1000).toFixed(1)} s in all): ` +
    `${seen.size} records released, ${duplicates} requests released twice, ${lost} never released`)
  return { duplicates, lost }
}

let failed = false
try {
  for (let round = 1; round <= rounds; round++) {
    const { duplicates, lost } = await runRound(round)
    if (duplicates > 0 || lost > 0) failed = true
  }
} finally {
  await broker.destroy()
}
console.log(failed ? 'FAILED: a request was released twice or never' : 'passed: every request released exactly once in every round')
process.exit(failed ? 1 : 0)
