import { randomUUID } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createKafkaClient, ensureTopics, topicNames } from '@wabridge/kafka'
import { startFaultBroker, type FaultBroker } from './broker.ts'
import { createProcessGroup } from './children.ts'
import { runSchedule, type InjectedFault, type ScheduledFault } from './faults.ts'
import { computeMeasures, type Measures } from './measures.ts'
import { allRequestIds, phoneNumberIdsForPartitions, startRequestProducer, type RequestPlan, type RequestProducer } from './requests.ts'
import { startStack, type Stack } from './stack.ts'
import { startEventIdReader, startResultsReader, type EventIdReader, type ResultsReader } from './topic-readers.ts'
import { pollUntil, waitUntil } from './wait.ts'

export interface FaultRunOptions {
  /** Names the run's folder. */
  name: string
  numbers: number
  perNumber: number
  /** Requests produced per second per number. */
  ratePerNumber: number
  /** Throughput per number at the sim and in egress, msg/s. */
  mps: number
  partitions: number
  egressInstances: number
  sessionTimeoutMs: number
  schedule: readonly ScheduledFault[]
  /** After production and every fault ended: how long every request may take to get its final result. */
  drainTimeoutMs: number
  /** Then, while unknown results are unsettled: how long settlement records may take. */
  settleWaitMs: number
  /** Window after a kill in which the survivors' pauses are measured. Default 30 s. */
  pauseWindowMs?: number
  egressEnv?: Record<string, string>
  log: (line: string) => void
}

export interface FaultRunResult {
  /** The run's folder: part logs, report.json (the broker's state is deleted). */
  dir: string
  startedAt: number
  measures: Measures
  faults: InjectedFault[]
  /** Harness notes with times: exits nobody asked for, timeouts. */
  events: string[]
}

/** Everything a run started, stopped in reverse order whatever happened. */
interface Running { broker?: FaultBroker, stack?: Stack, producer?: RequestProducer, readers: Array<ResultsReader | EventIdReader> }

async function stopAll (r: Running): Promise<void> {
  await r.producer?.stop()
  await Promise.all(r.readers.map((x) => x.stop().catch(() => {})))
  await r.stack?.stop()
  await r.broker?.destroy()
}

/**
 * One fault run: a private broker, the simulator, ingress and N egress instances as real
 * processes; requests produced at a steady pace while the schedule's faults happen; then waits
 * (bounded) for every final result, settlement and acknowledged webhook, and measures.
 */
export async function runFaults (options: FaultRunOptions): Promise<FaultRunResult> {
  const dir = await mkdtemp(join(tmpdir(), `wabridge-faults-${options.name}-`))
  const events: string[] = []
  const note = (line: string) => { events.push(`${new Date().toISOString()} ${line}`); options.log(line) }
  options.log(`run folder (logs): ${dir}`)
  const group = createProcessGroup(dir)
  const running: Running = { readers: [] }
  const onSignal = (signal: NodeJS.Signals) => {
    options.log(`${signal}: stopping every process of the run; logs in ${dir}`)
    void stopAll(running).finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    running.broker = await startFaultBroker({ dir, group, log: (line) => options.log(`kafka: ${line}`) })
    const prefix = `faults-${randomUUID().slice(0, 8)}`
    const topics = topicNames(prefix)
    const kafka = createKafkaClient({ brokers: running.broker.brokers, clientId: 'faults-harness' })
    const admin = kafka.admin()
    await admin.connect()
    await ensureTopics(admin, { prefix, partitions: options.partitions, replicationFactor: 1, only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundStatuses'] })
    await admin.disconnect()

    running.stack = await startStack({
      group,
      brokers: running.broker.brokers,
      prefix,
      partitions: options.partitions,
      replicationFactor: 1,
      mps: options.mps,
      egressInstances: options.egressInstances,
      sessionTimeoutMs: options.sessionTimeoutMs,
      egressEnv: options.egressEnv,
      readyTimeoutMs: 90_000,
      onEvent: note
    })
    const stack = running.stack
    // Every instance owns partitions before the first request, so the run starts without a rebalance.
    const instances = [...stack.egress.values()]
    await waitUntil(async () => (await Promise.all(instances.map((p) => p.isReady()))).every(Boolean),
      60_000, `every egress instance ready at once (${instances.map((p) => p.name).join(', ')})`)

    const results = await startResultsReader(kafka, topics.outboundResults, note)
    const statuses = await startEventIdReader(kafka, topics.inboundStatuses, note)
    running.readers.push(results, statuses)
    const plan: RequestPlan = {
      runId: prefix, phoneNumberIds: phoneNumberIdsForPartitions(options.numbers, options.partitions), perNumber: options.perNumber, ratePerNumber: options.ratePerNumber
    }
    const requestIds = allRequestIds(plan)
    const startedAt = Date.now()
    running.producer = startRequestProducer(kafka, topics.outboundRequests, plan)
    options.log(`producing ${requestIds.length} requests (${options.numbers} numbers × ${options.perNumber}, ${options.ratePerNumber}/s each) to ${topics.outboundRequests}`)
    const faults = await runSchedule(options.schedule, { stack, broker: running.broker, log: options.log }, startedAt)
    await running.producer.done
    options.log(`every request produced at +${((Date.now() - startedAt) / 1000).toFixed(1)} s; every fault over`)

    const missing = () => requestIds.filter((id) => !results.results.get(id)?.finals.length).length
    if (!(await pollUntil(() => missing() === 0, options.drainTimeoutMs, 250))) note(`drain: ${missing()} requests still without a final result after ${options.drainTimeoutMs} ms`)
    const unsettled = () => requestIds.filter((id) => {
      const e = results.results.get(id)
      return e?.finals[0]?.status === 'unknown' && !e.settlements.some((s) => s.settlement?.evidence === 'status_webhook')
    }).length
    if (unsettled() > 0) {
      options.log(`waiting up to ${options.settleWaitMs} ms for ${unsettled()} unknown results to be settled`)
      if (!(await pollUntil(() => unsettled() === 0, options.settleWaitMs, 500))) note(`settlement: ${unsettled()} unknown results unsettled after ${options.settleWaitMs} ms`)
    }
    // Every webhook the sim sent by now has been answered; what ingress acknowledged must reach the reader.
    await pollUntil(async () => { const w = await stack.sim.webhookState(); return w.pendingStatuses + w.pendingEvents + w.inFlight === 0 }, 30_000, 500)
    const ackLost = () => [...stack.recorder.acknowledged].filter((e) => !statuses.ids.has(e)).length
    if (!(await pollUntil(() => ackLost() === 0, 20_000, 250))) note(`webhooks: ${ackLost()} acknowledged events not found in ${topics.inboundStatuses}`)

    const measures = computeMeasures({
      requestIds,
      results: results.results,
      sends: await stack.sim.acceptedSends(),
      acknowledgedEvents: stack.recorder.acknowledged,
      eventsInKafka: statuses.ids,
      faults,
      pauseWindowMs: options.pauseWindowMs ?? 30_000
    })
    const outcome: FaultRunResult = { dir, startedAt, measures, faults, events }
    await writeFile(join(dir, 'report.json'), JSON.stringify({ options: { ...options, log: undefined }, ...outcome, webhooks: stack.recorder.counts }, null, 2))
    return outcome
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await stopAll(running)
  }
}
