import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { test, type TestContext } from 'node:test'
import { toKafkaHeaders, topicNames } from '@wabridge/kafka'
import type { OutboundResult } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { attemptsTopic } from '../src/app.ts'
import type { LedgerEvent } from '../src/ledger.ts'
import { createLedgerLoader, type LedgerLoader } from '../src/ledger-loader.ts'
import { heartbeatProof, PartitionSession, SessionConflictError, SessionWriteError, type SessionDeps } from '../src/partition-session.ts'
import { codec, collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const logger = createLogger({ level: 'error', name: 'exactly-once-test' })

/** A status webhook as ingress writes it (headers egress matches on; the value is not needed). */
async function writeStatus (kafka: ReturnType<typeof testKafka>, prefix: string, requestId: string, status: string, wamid: string): Promise<void> {
  const producer = kafka.producer()
  await producer.connect()
  try {
    await producer.send({
      topic: topicNames(prefix).inboundStatuses,
      messages: [{
        key: '106540352242922:16505551234',
        value: Buffer.alloc(0),
        headers: toKafkaHeaders({
          eventId: `${wamid}:${status}`,
          extra: { 'wa-callback-data': requestId, 'wa-status': status, 'wa-message-id': wamid, 'wa-timestamp': String(Date.now()) }
        })
      }]
    })
  } finally {
    await producer.disconnect()
  }
}

const byId = (results: OutboundResult[], id: string) => results.filter((r) => r.request_id === id)

test('a send whose answer is lost after Meta accepted it is never sent again; its status webhook decides it (items 1, 7, 8)', { timeout: 90_000 }, async (t) => {
  const prefix = `doubt-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, {
    faults: [
      // Accepted, then no answer: egress times out after sending.
      { match: { to: '+15550000001' }, action: { type: 'timeout', accept: true } },
      // Accepted, then a proxy's 502.
      { match: { to: '+15550000002' }, action: { type: 'error', httpStatus: 502, accept: true, body: 'html' } },
      // Accepted, then the connection dropped without an answer.
      { match: { to: '+15550000003' }, action: { type: 'reset', accept: true } }
    ]
  })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, {
    KAFKA_TOPIC_PARTITIONS: '1', GRAPH_TIMEOUT_MS: '500', EGRESS_IN_DOUBT_WAIT_MS: '8000', EGRESS_SETTLEMENT_WINDOW_MS: '3000'
  }))
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, [
    textRequest('7001', '+15550000001', 'timeout-then-sent'),
    textRequest('7001', '+15550000002', 'bad-gateway-then-late'),
    textRequest('7001', '+15550000003', 'reset-never-heard-of')
  ])
  await waitFor(() => sim.accepted().length >= 3, 20_000, () => `three accepted at the sim, have ${sim.accepted().length}`)
  // Within the in-doubt wait: the status decides the first result directly.
  const first = sim.accepted({ bizOpaqueCallbackData: 'timeout-then-sent' })[0]!
  await writeStatus(kafka, prefix, 'timeout-then-sent', 'sent', first.wamid)
  await waitFor(() => byId(results, 'timeout-then-sent').length > 0, 20_000, 'the in-doubt request decided by its status')
  const decided = byId(results, 'timeout-then-sent')[0]!
  assert.equal(decided.status, 'accepted')
  assert.equal(decided.wamid, first.wamid)
  assert.equal(decided.settlement, null)
  assert.match(decided.reason ?? '', /in doubt after attempt 1.*status 'sent'.*proves Meta accepted it/)
  // Nothing was sent twice, whatever the answer was.
  assert.deepEqual(sim.duplicates(), [])
  assert.equal(sim.accepted().length, 3)
})

test('an unknown result is settled by a later status webhook, or says it stays unknown after the window (item 8)', { timeout: 90_000 }, async (t) => {
  const prefix = `settle-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { faults: [{ match: { phoneNumberId: '7101' }, action: { type: 'error', httpStatus: 504, accept: true, body: 'text' } }] })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1', EGRESS_IN_DOUBT_WAIT_MS: '300', EGRESS_SETTLEMENT_WINDOW_MS: '4000' }))
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, [textRequest('7101', '+15550000011', 'late-status'), textRequest('7101', '+15550000012', 'no-status')])
  await waitFor(() => results.length >= 2, 20_000, () => `two unknown results, have ${results.length}`)
  for (const r of results) {
    assert.equal(r.status, 'unknown')
    assert.equal(r.settlement, null)
    assert.match(r.reason ?? '', /it was not sent again/)
  }
  const late = sim.accepted({ bizOpaqueCallbackData: 'late-status' })[0]!
  await writeStatus(kafka, prefix, 'late-status', 'delivered', late.wamid)
  await waitFor(() => byId(results, 'late-status').length >= 2, 20_000, 'the settlement of late-status')
  const [unknown, settled] = byId(results, 'late-status')
  assert.equal(settled!.status, 'accepted')
  assert.equal(settled!.wamid, late.wamid)
  assert.deepEqual({ ...settled!.settlement, status_at: null }, { supersedes_status: 'unknown', supersedes_completed_at: unknown!.completed_at, evidence: 'status_webhook', status_at: null })

  await waitFor(() => byId(results, 'no-status').length >= 2, 20_000, 'the "no status in time" record of no-status')
  const stays = byId(results, 'no-status')[1]!
  assert.equal(stays.status, 'unknown')
  assert.equal(stays.settlement?.evidence, 'no_status_in_time')
  assert.match(stays.reason ?? '', /no status webhook within/)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  assert.equal(results.length, 4, 'one settlement record each, no more')
  assert.deepEqual(sim.duplicates(), [])
})

/**
 * Partition sessions on partition 0 of a fresh one-partition topic set, as egress instances hold
 * them, for the tests of fencing and take-over; each instance reads the history with its own loader.
 */
async function sessionScene (t: TestContext, name: string) {
  const prefix = `${name}-${randomUUID().slice(0, 8)}`
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const loader = async () => {
    const made = createLedgerLoader(kafka, admin, { attemptsTopic: attemptsTopic(prefix), groupId: `g-${prefix}`, codec, logger, onCrash: (err) => { throw err } })
    await made.start()
    t.after(() => made.stop())
    return made
  }
  const session = (instance: string, ledgerLoader: LedgerLoader, deps: Partial<Pick<SessionDeps, 'lastHeartbeatAt' | 'stillAssigned' | 'onLost'>> = {}) => {
    const made = new PartitionSession({
      partition: 0,
      groupId: `g-${prefix}`,
      requestsTopic: topicNames(prefix).outboundRequests,
      attemptsTopic: attemptsTopic(prefix),
      instance,
      transactionTimeoutMs: 30_000,
      takeoverGraceMs: 0,
      dedupWindowMs: 60_000,
      legacyLookbackMs: 60_000,
      maxBatchBytes: 500_000,
      commitIntervalMs: 100,
      clock: Date.now
    }, { kafka, admin, codec, loader: ledgerLoader, committable: () => undefined, lastHeartbeatAt: () => Date.now(), stillAssigned: () => true, onLost: () => {}, logger, ...deps })
    t.after(() => made.close())
    return made
  }
  return { kafka, prefix, loader, session, attempts: () => readAttempts(kafka, attemptsTopic(prefix)) }
}

const started = (requestId: string, instance: string, attempt = 0): Extract<LedgerEvent, { kind: 'attempt' }> =>
  ({ kind: 'attempt', requestId, sourceOffset: '0', attempt, state: 'started', instance })

test('a stale owner is fenced: once another instance took the partition over, nothing it writes becomes visible (item 4)', { timeout: 60_000 }, async (t) => {
  const scene = await sessionScene(t, 'fence')
  const loader = await scene.loader()
  let staleLost = false
  // What the group says about the stale instance once it rejoins: the partition is no longer its.
  let staleAssigned = true
  const stale = scene.session('stale', loader, { onLost: () => { staleLost = true }, stillAssigned: () => staleAssigned })
  await stale.open()
  await stale.ready
  await stale.write([], [{ kind: 'attempt', requestId: 'before', sourceOffset: '0', attempt: 0, state: 'started', instance: 'stale' }])

  // Another instance takes the partition over (the stale one was paused past its session timeout).
  loader.close(0)
  const owner = scene.session('owner', loader)
  await owner.open()
  await owner.ready
  assert.equal(owner.ledger.get('before').kind, 'open', 'the new owner sees the started marker written before it took over')

  staleAssigned = false
  await assert.rejects(stale.write([], [{ kind: 'attempt', requestId: 'after', sourceOffset: '1', attempt: 0, state: 'started', instance: 'stale' }]),
    (err: unknown) => err instanceof SessionWriteError && /fenced/.test(err.message))
  await waitFor(() => stale.state === 'lost', 10_000, 'the stale session to give the partition up')
  assert.equal(staleLost, true)
  // The owner still writes; its history never shows the stale instance's marker.
  await owner.write([], [{ kind: 'attempt', requestId: 'mine', sourceOffset: '2', attempt: 0, state: 'started', instance: 'owner' }])
  const records = await scene.attempts()
  assert.ok(records.includes('before') && records.includes('mine'))
  assert.ok(!records.includes('after'), 'the fenced write never became visible')
  await owner.close()
})

test('a stale owner resumed after a pause does not take its partition back on a heartbeat from before the pause (item 4)', { timeout: 60_000 }, async (t) => {
  const scene = await sessionScene(t, 'stale-hb')
  // A session timeout so short that the heartbeat below is no proof by the time the recovery looks at it,
  // as a heartbeat from just before a SIGSTOP is none after it.
  const SESSION_TIMEOUT_MS = 150
  let staleHeartbeat = Date.now()
  // The stale instance has not rejoined the group yet: its last assignment still names the partition.
  let staleAssigned = true
  const stale = scene.session('stale', await scene.loader(), { lastHeartbeatAt: () => heartbeatProof(staleHeartbeat, Date.now(), SESSION_TIMEOUT_MS), stillAssigned: () => staleAssigned })
  await stale.open()
  await stale.ready
  const owner = scene.session('owner', await scene.loader())
  await owner.open()
  await owner.ready

  await assert.rejects(stale.write([], [started('fenced', 'stale')]), SessionWriteError)
  // Its last heartbeat came after that failure, then the process stopped (SIGSTOP) past the session timeout.
  staleHeartbeat = Date.now() + 1
  await new Promise((resolve) => setTimeout(resolve, 2000))
  assert.equal(stale.state, 'recovering', 'the stale session waits for a heartbeat after the pause')
  // The owner was not fenced back: it still writes (a fenced owner would recover and fence the stale one in turn).
  const written = owner.write([], [started('mine', 'owner')])
  await Promise.race([written, new Promise((resolve, reject) => setTimeout(() => reject(new Error('the owner could not write within 15 s')), 15_000).unref())])
  // The next heartbeat fails (the member is gone), the instance rejoins and learns the partition is not its.
  staleAssigned = false
  await waitFor(() => stale.state === 'lost', 10_000, 'the stale session to give the partition up')
  const records = await scene.attempts()
  assert.ok(records.includes('mine'))
  assert.ok(!records.includes('fenced'))
})

test('an instance that takes its partition back cannot start an attempt, or write a final result, that another owner wrote meanwhile (item 4)', { timeout: 60_000 }, async (t) => {
  const scene = await sessionScene(t, 'conflict')
  const first = scene.session('first', await scene.loader())
  await first.open()
  await first.ready
  // The other instance takes the partition over, starts x and finishes y; the first one's lanes had judged both new.
  const other = scene.session('other', await scene.loader())
  await other.open()
  await other.ready
  await other.write([], [started('x', 'other'), { kind: 'final', requestId: 'y', sourceOffset: '1', status: 'accepted', instance: 'other' }])
  // The first instance's next write is fenced; its heartbeats still prove the partition is its (the
  // group gave it back), so it recovers, fencing the other one and reading its records back.
  await assert.rejects(first.write([], [started('w', 'first')]), SessionWriteError)
  assert.equal(await first.whenReady(), true)
  assert.equal(first.ledger.get('x').kind, 'open')

  // In one transaction: the marker of x and the result of y are refused, z (new) is written.
  const outcomes = await Promise.allSettled([
    first.write([], [started('x', 'first')]),
    first.write([], [{ kind: 'final', requestId: 'y', sourceOffset: '1', status: 'accepted', instance: 'first' }]),
    first.write([], [started('z', 'first')])
  ])
  assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'fulfilled'])
  for (const o of outcomes.slice(0, 2)) assert.ok((o as PromiseRejectedResult).reason instanceof SessionConflictError)
  // A later attempt of x (after one that provably did not leave) is still allowed; a second marker for it in the same transaction is not.
  await first.write([], [{ ...started('x', 'first'), state: 'not-sent' }])
  const again = await Promise.allSettled([first.write([], [started('x', 'first', 1)]), first.write([], [started('x', 'first', 1)])])
  assert.deepEqual(again.map((o) => o.status), ['fulfilled', 'rejected'])

  const records = await scene.attempts()
  assert.deepEqual(['x', 'y', 'z', 'w'].map((id) => records.filter((r) => r === id).length), [3, 1, 1, 0],
    'x: the other\'s marker, the not-sent marker and attempt 2; y: one final result; z: one marker; w: fenced')
})

/** Request ids of the attempts topic's committed records (read_committed). */
async function readAttempts (kafka: ReturnType<typeof testKafka>, topic: string): Promise<string[]> {
  // Keyed by partition@offset: this reader's own group can rebalance (or kafkajs restart it) and re-deliver uncommitted records.
  const ids = new Map<string, string>()
  const consumer = kafka.consumer({ groupId: `read-${randomUUID()}`, maxWaitTimeInMs: 100 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await consumer.run({ eachMessage: async ({ partition, message }) => { ids.set(`${partition}@${message.offset}`, message.headers?.['event-id']?.toString() ?? '') } })
    await new Promise((resolve) => setTimeout(resolve, 3000))
  } finally {
    await consumer.disconnect()
  }
  return [...ids.values()]
}

function spawnEgress (env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--conditions=source', mainTs], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] })
  child.stderr!.resume()
  return child
}

test('a new owner after a long backlog skips every request that already has a result, however long ago (item 2)', { timeout: 180_000 }, async (t) => {
  const prefix = `backlog-${randomUUID().slice(0, 8)}`
  // One request is held for 20 s by the sim; the others are answered at once.
  const sim = await startSim(t, { faults: [{ match: { to: '+15550000021' }, action: { type: 'timeout', accept: false, answerAfterMs: 20_000 } }] })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  const env = testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1', GRAPH_TIMEOUT_MS: '30000', EGRESS_DEDUP_WINDOW_MS: '500', LOG_LEVEL: 'error' })
  const producer = await requestProducer(t, kafka)
  const others = Array.from({ length: 50 }, (_, i) => textRequest('7201', `+1555100${String(i).padStart(4, '0')}`, `done-${i}`))
  await produceRequests(producer, prefix, [textRequest('7201', '+15550000021', 'slow'), ...others])
  const first = spawnEgress(env)
  t.after(() => { first.kill('SIGKILL') })
  await waitFor(() => results.length >= 50, 90_000, () => `50 results, have ${results.length}`)
  // The committed offset stays at the slow request; the others' results are older than any dedup window.
  await new Promise((resolve) => setTimeout(resolve, 3000))
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  const second = spawnEgress(env)
  t.after(() => { second.kill('SIGKILL') })
  await waitFor(() => byId(results, 'slow').length > 0, 40_000, 'the slow request decided by the new owner')
  await new Promise((resolve) => setTimeout(resolve, 2000))
  assert.deepEqual(sim.duplicates(), [], 'nothing sent twice')
  assert.equal(results.length, 51, `one result per request (${results.length})`)
  for (let i = 0; i < 50; i++) assert.equal(sim.accepted({ bizOpaqueCallbackData: `done-${i}` }).length, 1)
})

test('an oversized dead letter or result never stalls its partition: cut to fit max.message.bytes, flagged (item 6)', { timeout: 150_000 }, async (t) => {
  const prefix = `caps-${randomUUID().slice(0, 8)}`
  const sim = await startSim(t, { faults: [{ match: { to: '+15550000031' }, action: { type: 'error', code: 131026 } }] })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const topics = topicNames(prefix)
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  // Results and dead letters may hold at most 20,000 bytes; the requests topic takes 1 MB.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [topics.outboundResults, topics.outboundDlq].map((name) => ({ type: 2, name, configEntries: [{ name: 'max.message.bytes', value: '20000' }] }))
  })
  const results = await collect(t, kafka, topics.outboundResults, 'OutboundResult')
  const letters = await collect(t, kafka, topics.outboundDlq, 'DeadLetter')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1' }))
  const producer = await requestProducer(t, kafka)
  const big = 'x'.repeat(60_000)
  await produceRequests(producer, prefix, [
    textRequest('7301', '+15550000031', 'undeliverable-and-big', { message_json: JSON.stringify({ type: 'text', text: { body: big } }) }),
    textRequest('7301', '+15550000032', 'big-metadata', { metadata: { note: big } }),
    textRequest('7301', '+15550000033', 'after-them')
  ])
  await waitFor(() => results.length >= 3 && letters.length >= 1, 90_000, () => `3 results and a dead letter, have ${results.length} and ${letters.length}`)
  const letter = letters[0]!
  assert.equal(letter.request_id, 'undeliverable-and-big')
  assert.equal(letter.original_truncated, true)
  assert.ok((letter.original_size ?? 0) > 60_000 && letter.original_value.length < 20_000, `${letter.original_value.length} of ${letter.original_size} bytes kept`)
  const bigMeta = byId(results, 'big-metadata')[0]!
  assert.equal(bigMeta.status, 'accepted')
  assert.match(bigMeta.metadata.wabridge_metadata_dropped ?? '', /did not fit/)
  assert.equal(byId(results, 'after-them')[0]?.status, 'accepted', 'the partition went on')
})

test('a request produced twice while its first copy is still being sent gets one send and one result', { timeout: 60_000 }, async (t) => {
  const prefix = `dup-${randomUUID().slice(0, 8)}`
  // The first copy's send takes 1.5 s: the second copy arrives while it is in flight.
  const sim = await startSim(t, { faults: [{ match: { to: '+15550000041' }, count: 1, action: { type: 'timeout', accept: true, answerAfterMs: 1500 } }] })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1', GRAPH_TIMEOUT_MS: '5000' }))
  const producer = await requestProducer(t, kafka)
  await produceRequests(producer, prefix, [textRequest('7401', '+15550000041', 'twice')])
  await waitFor(() => sim.accepted().length >= 1 || results.length > 0, 10_000, 'the first copy sent')
  await produceRequests(producer, prefix, [textRequest('7401', '+15550000041', 'twice'), textRequest('7401', '+15550000042', 'next')])
  await waitFor(() => byId(results, 'next').length > 0, 20_000, 'the request after the copies')
  await new Promise((resolve) => setTimeout(resolve, 2500))
  assert.equal(byId(results, 'twice').length, 1, 'one result for the request')
  assert.equal(byId(results, 'twice')[0]!.status, 'accepted')
  assert.equal(sim.accepted({ bizOpaqueCallbackData: 'twice' }).length, 1)
})
