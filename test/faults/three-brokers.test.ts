/**
 * Issue 12 on a three-broker KRaft cluster on loopback (3 replicas, min.insync.replicas 2): the
 * leader of a partition in use is killed (-9) while the ingress is under webhook load, started
 * again, then the leader of a partition egress writes its results to is killed while egress sends
 * (and started again once every request is produced).
 * Every webhook the ingress answered 200 must have its records in Kafka; egress loses nothing and
 * sends nothing twice.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { test } from 'node:test'
import { awaitOutcome, measureRun, planRequests } from './harness/fault-run.ts'
import type { InjectedFault } from './harness/faults.ts'
import { checkGoals, formatReport } from './harness/report.ts'
import { allRequestIds } from './harness/requests.ts'
import { openRun, type RunContext } from './harness/run-context.ts'
import { APP_SECRET } from './harness/stack.ts'
import { waitUntil } from './harness/wait.ts'
import { startWebhookLoad } from './harness/webhook-load.ts'

const PARTITIONS = 6

async function leaderOf (ctx: RunContext, topic: string, partition: number): Promise<number> {
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
    const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader
    if (leader === undefined || leader < 0) throw new Error(`${topic}/${partition} has no leader`)
    return leader
  } finally {
    await admin.disconnect()
  }
}

/** Kills the node leading `topic`/`partition` and records it as a fault. */
async function killLeader (ctx: RunContext, topic: string, partition: number, faults: InjectedFault[]): Promise<number> {
  const nodeId = await leaderOf(ctx, topic, partition)
  const record: InjectedFault = { kind: 'kill-broker', target: `broker ${nodeId}`, at: Date.now(), detail: `kill -9 of the leader of ${topic}/${partition}` }
  faults.push(record)
  ctx.log(`killing broker ${nodeId}, leader of ${topic}/${partition}`)
  await ctx.broker.kill(nodeId)
  record.endAt = Date.now()
  return nodeId
}

test('on three brokers, killing a partition leader loses no acknowledged webhook, and egress neither loses nor repeats a send', { timeout: 300_000 }, async () => {
  const ctx = await openRun({
    name: 'three-brokers', brokerNodes: 3, partitions: PARTITIONS, mps: 80, egressInstances: 1, sessionTimeoutMs: 6000, log: (line) => console.log(`# faults: ${line}`)
  })
  let isPassed = false
  try {
    const faults: InjectedFault[] = []
    const startedAt = Date.now()

    // The ingress under load; its statuses partition 0 loses its leader.
    const load = startWebhookLoad(ctx.stack.recorder.url, APP_SECRET, { concurrency: 4 })
    await waitUntil(() => load.counts.ok >= 100, 60_000, '100 webhooks answered 200 before the kill', () => JSON.stringify(load.counts))
    const first = await killLeader(ctx, ctx.topics.inboundStatuses, 0, faults)
    const okAtKill = load.counts.ok
    await waitUntil(() => load.counts.ok >= okAtKill + 200, 90_000, '200 more webhooks answered 200 after the leader was killed', () => JSON.stringify(load.counts))
    await load.stop()
    ctx.log(`webhook load: ${JSON.stringify(load.counts)}; starting broker ${first} again`)
    await ctx.broker.start(first)
    faults[0]!.endAt = Date.now()

    // Egress sending; the leader of the results partition of the first number is killed.
    const plan = planRequests(ctx, { numbers: 2, perNumber: 300, ratePerNumber: 20, partitions: PARTITIONS })
    const requestIds = allRequestIds(plan)
    const producer = ctx.produce(plan)
    await waitUntil(() => ctx.results.results.size >= 100, 60_000, '100 results before the kill', () => `${ctx.results.results.size} results`)
    // phoneNumberIdsForPartitions put the first number in partition 0 (results are co-partitioned with requests).
    const second = await killLeader(ctx, ctx.topics.outboundResults, 0, faults)
    await producer.done
    // Started again once every request is produced, as an operator would: until then the cluster
    // ran on two nodes (enough for min.insync.replicas 2), and kafkajs readers that lost their
    // coordinator with it can fall silent until it is back.
    ctx.log(`every request produced; starting broker ${second} again`)
    await ctx.broker.start(second)
    faults[1]!.endAt = Date.now()
    await awaitOutcome(ctx, requestIds, { drainTimeoutMs: 60_000, settleWaitMs: 10_000 })

    const m = await measureRun(ctx, requestIds, faults)
    const goals = checkGoals(m, { maxUnknownShare: 0.001, maxPauseMs: 10_000 })
    console.log(formatReport(m, faults, goals, startedAt).map((l) => `# ${l}`).join('\n'))
    for (const e of ctx.notes) console.log(`# faults: event ${e}`)
    assert.ok(m.acknowledgedWebhookEvents >= 300, `only ${m.acknowledgedWebhookEvents} acknowledged webhook events`)
    assert.deepEqual({ lost: m.lost, sentTwice: m.sentTwice, resultsTwice: m.resultsTwice, acknowledgedWebhooksLost: m.acknowledgedWebhooksLost },
      { lost: 0, sentTwice: 0, resultsTwice: 0, acknowledgedWebhooksLost: 0 }, `a promise broke on three brokers; logs in ${ctx.dir}`)
    isPassed = true
  } finally {
    await ctx.close()
    if (isPassed) await rm(ctx.dir, { recursive: true, force: true })
  }
})
