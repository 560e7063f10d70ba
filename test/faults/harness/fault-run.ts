import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { attemptsTopic } from '@wabridge/egress'
import { runSchedule, type InjectedFault, type ScheduledFault } from './faults.ts'
import { computeMeasures, type Measures } from './measures.ts'
import { allRequestIds, phoneNumberIdsForPartitions, type RequestPlan } from './requests.ts'
import { openRun, type RunContext, type RunOptions } from './run-context.ts'
import { readEventIdsOnce, readStartedMarkersOnce } from './topic-readers.ts'
import { pollUntil } from './wait.ts'

export interface FaultRunOptions extends RunOptions {
  numbers: number
  perNumber: number
  /** Requests produced per second per number. */
  ratePerNumber: number
  schedule: readonly ScheduledFault[]
  /** After production and every fault ended: how long every request may take to get its final result. */
  drainTimeoutMs: number
  /** Then, while unknown results are unsettled: how long settlement records may take. */
  settleWaitMs: number
  /** Window after a kill in which the survivors' pauses are measured. Default 30 s. */
  pauseWindowMs?: number
}

export interface FaultRunResult {
  /** The run's folder: part logs and report.json. */
  dir: string
  startedAt: number
  measures: Measures
  faults: InjectedFault[]
  /** Harness notes with times: exits nobody asked for, timeouts. */
  events: string[]
}

/** A plan of `numbers` × `perNumber` requests whose numbers spread evenly over the partitions' owners. */
export function planRequests (ctx: RunContext, options: { numbers: number, perNumber: number, ratePerNumber: number, partitions: number }): RequestPlan {
  return {
    runId: ctx.prefix,
    phoneNumberIds: phoneNumberIdsForPartitions(options.numbers, options.partitions),
    perNumber: options.perNumber,
    ratePerNumber: options.ratePerNumber
  }
}

/**
 * The bounded waits after the load: every request's final result (`drainTimeoutMs`), settlement of
 * unknown results (`settleWaitMs`), the simulator's webhooks delivered, and every acknowledged
 * webhook event read back from Kafka. A wait that runs out is noted, not thrown: the measures say
 * what is missing.
 */
export async function awaitOutcome (ctx: RunContext, requestIds: readonly string[], options: { drainTimeoutMs: number, settleWaitMs: number }): Promise<void> {
  const { results } = ctx.results
  const missing = () => requestIds.filter((id) => !results.get(id)?.finals.length).length
  if (!(await pollUntil(() => missing() === 0, options.drainTimeoutMs, 250))) {
    // A second opinion before calling them lost: a new consumer reads the results to their end.
    const seen = missing()
    // Filed into the running reader's book by position, never replacing entries: no record is counted twice.
    await ctx.results.readAgain(60_000, { brokers: ctx.broker.brokers, note: ctx.note })
    ctx.note(`drain: ${seen} requests without a final result after ${options.drainTimeoutMs} ms; ${missing()} when the results were read again to their end`)
  }
  const unsettled = () => requestIds.filter((id) => {
    const e = results.get(id)
    return e?.finals[0]?.status === 'unknown' && !e.settlements.some((s) => s.settlement?.evidence === 'status_webhook')
  }).length
  if (unsettled() > 0) {
    ctx.log(`waiting up to ${options.settleWaitMs} ms for ${unsettled()} unknown results to be settled`)
    if (!(await pollUntil(() => unsettled() === 0, options.settleWaitMs, 500))) {
      ctx.note(`settlement: ${unsettled()} unknown results unsettled after ${options.settleWaitMs} ms`)
    }
  }
  const webhooksIdle = async () => { const w = await ctx.stack.sim.webhookState(); return w.pendingStatuses + w.pendingEvents + w.inFlight === 0 }
  if (!(await pollUntil(webhooksIdle, 30_000, 500))) ctx.note('webhooks: the simulator still had status webhooks to deliver after 30 s')
  const ackLost = () => [...ctx.stack.recorder.acknowledged].filter((e) => !ctx.inboundEvents.ids.has(e)).length
  if (!(await pollUntil(() => ackLost() === 0, 20_000, 250))) {
    // A second opinion before calling them lost: a new consumer reads both topics to their end.
    const again = await readEventIdsOnce(ctx.kafka, [ctx.topics.inboundStatuses, ctx.topics.inboundMessages], 60_000, { brokers: ctx.broker.brokers, note: ctx.note })
    const missing = [...ctx.stack.recorder.acknowledged].filter((e) => !again.has(e))
    const at = (e: string) => new Date(ctx.stack.recorder.acknowledgedAt.get(e) ?? 0).toISOString()
    ctx.note(`webhooks: ${ackLost()} acknowledged events not seen by the reader after 20 s; ${missing.length} of them missing when the topics were read again to their end` +
      (missing.length > 0 ? ` (e.g. ${missing.slice(0, 5).map((e) => `${e} acknowledged at ${at(e)}`).join(', ')})` : ''))
    for (const e of again) ctx.inboundEvents.ids.add(e)
  }
}

export async function measureRun (ctx: RunContext, requestIds: readonly string[], faults: readonly InjectedFault[], pauseWindowMs = 30_000): Promise<Measures> {
  return computeMeasures({
    markers: await readStartedMarkersOnce(ctx.kafka, attemptsTopic(ctx.prefix), 60_000, { brokers: ctx.broker.brokers, note: ctx.note }),
    requestIds,
    results: ctx.results.results,
    sends: await ctx.stack.sim.acceptedSends(),
    acknowledgedEvents: ctx.stack.recorder.acknowledged,
    eventsInKafka: ctx.inboundEvents.ids,
    faults,
    pauseWindowMs
  })
}

/**
 * One fault run: the product as processes on a private broker; requests produced at a steady pace
 * while the schedule's faults happen; then the bounded waits of awaitOutcome, and the measures
 * (also written to report.json in the run's folder).
 */
export async function runFaults (options: FaultRunOptions): Promise<FaultRunResult> {
  const ctx = await openRun(options)
  try {
    const plan = planRequests(ctx, options)
    const requestIds = allRequestIds(plan)
    const startedAt = Date.now()
    const producer = ctx.produce(plan)
    ctx.log(`producing ${requestIds.length} requests (${options.numbers} numbers × ${options.perNumber}, ${options.ratePerNumber}/s each) to ${ctx.topics.outboundRequests}`)
    const faults = await runSchedule(options.schedule, { stack: ctx.stack, broker: ctx.broker, log: ctx.log }, startedAt)
    await producer.done.catch((err: unknown) => {
      throw new Error(`the harness could not produce its requests (a harness failure, not the product's): ${(err as Error).message}`, { cause: err })
    })
    ctx.log(`every request produced at +${((Date.now() - startedAt) / 1000).toFixed(1)} s; every fault over`)
    await awaitOutcome(ctx, requestIds, options)
    const measures = await measureRun(ctx, requestIds, faults, options.pauseWindowMs)
    const outcome: FaultRunResult = { dir: ctx.dir, startedAt, measures, faults, events: ctx.notes }
    await writeFile(join(ctx.dir, 'report.json'), JSON.stringify({ options: { ...options, log: undefined }, ...outcome, webhooks: ctx.stack.recorder.counts }, null, 2))
    return outcome
  } finally {
    await ctx.close()
  }
}
