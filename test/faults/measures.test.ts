import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { OutboundResult } from '@wabridge/schemas'
import type { InjectedFault } from './harness/faults.ts'
import { computeMeasures, instanceOf, KILL_CUT_MS, type MeasureInput } from './harness/measures.ts'
import { checkGoals } from './harness/report.ts'
import type { AcceptedSend } from './harness/sim-client.ts'
import type { ResultEntry } from './harness/topic-readers.ts'
import { eventIdsOf } from './harness/webhook-recorder.ts'

function result (requestId: string, status: OutboundResult['status'], settlement?: OutboundResult['settlement']): OutboundResult {
  return {
    request_id: requestId,
    phone_number_id: '1',
    to: '+15550000001',
    status,
    wamid: null,
    wa_id: null,
    message_status: null,
    error: null,
    attempts: 1,
    requested_at: null,
    first_attempt_at: null,
    completed_at: 0,
    metadata: {},
    business_usage_json: null,
    app_usage_json: null,
    source_topic: 't',
    source_partition: 0,
    source_offset: '0',
    settlement: settlement ?? null
  }
}

const settled = (status: OutboundResult['status'], evidence: 'status_webhook' | 'no_status_in_time') =>
  ({ supersedes_status: 'unknown' as const, supersedes_completed_at: 0, evidence, status_at: null })

const send = (callbackData: string, at: number, instance = 'egress-1'): AcceptedSend =>
  ({ callbackData, phoneNumberId: '1', at, userAgent: `wabridge-egress (${instance})` })

function input (overrides: Partial<MeasureInput>): MeasureInput {
  return { requestIds: [], results: new Map(), sends: [], acknowledgedEvents: new Set(), eventsInKafka: new Set(), faults: [], pauseWindowMs: 30_000, markers: new Map(), ...overrides }
}

test('each request counts once: lost, sent twice, unknown before and after settlement, never accepted', () => {
  const results = new Map<string, ResultEntry>([
    ['ok', { finals: [result('ok', 'accepted')], settlements: [] }],
    ['twice', { finals: [result('twice', 'accepted'), result('twice', 'accepted')], settlements: [] }],
    ['settled', { finals: [result('settled', 'unknown')], settlements: [result('settled', 'accepted', settled('accepted', 'status_webhook'))] }],
    ['timed-out', { finals: [result('timed-out', 'unknown')], settlements: [result('timed-out', 'unknown', settled('unknown', 'no_status_in_time'))] }],
    ['never-sent', { finals: [result('never-sent', 'unknown')], settlements: [] }],
    ['lied', { finals: [result('lied', 'failed')], settlements: [] }]
  ])
  const m = computeMeasures(input({
    requestIds: ['ok', 'twice', 'settled', 'timed-out', 'never-sent', 'lied', 'lost'],
    results,
    sends: [send('ok', 1), send('twice', 2), send('twice', 3), send('settled', 4), send('timed-out', 5), send('lied', 6), send('stranger', 7)]
  }))
  assert.equal(m.requests, 7)
  assert.equal(m.finalResults, 6)
  assert.equal(m.lost, 1)
  assert.deepEqual(m.examples.lost, ['lost'])
  assert.equal(m.lostButAccepted, 0)
  assert.equal(m.sentTwice, 1)
  assert.equal(m.resultsTwice, 1)
  assert.deepEqual(m.byStatus, { accepted: 2, unknown: 3, failed: 1 })
  assert.equal(m.unknownBeforeSettlement, 3)
  assert.equal(m.unknownAfterSettlement, 2)
  assert.deepEqual(m.examples.unknownAfterSettlement, ['timed-out', 'never-sent'])
  assert.equal(m.unknownNeverAccepted, 1)
  assert.equal(m.failedButAccepted, 1)
  assert.equal(m.acceptedNeverAccepted, 0)
  assert.equal(m.sendsNotRequested, 1)
})

test('an unknown request that never left is cut by a kill only when its marker\'s instance was killed within KILL_CUT_MS after the marker', () => {
  const unknown = (id: string): [string, ResultEntry] => [id, { finals: [result(id, 'unknown')], settlements: [] }]
  const kill: InjectedFault = { kind: 'kill-egress', target: 'egress-1', at: 10_000, detail: 'kill -9' }
  const m = computeMeasures(input({
    requestIds: ['cut', 'too-early', 'other-instance', 'after-kill', 'no-marker', 'sent'],
    results: new Map([unknown('cut'), unknown('too-early'), unknown('other-instance'), unknown('after-kill'), unknown('no-marker'), unknown('sent')]),
    sends: [send('sent', 9_900), send('ok', 9_700)],
    faults: [kill],
    markers: new Map([
      ['cut', { instance: 'egress-1', at: 10_000 - KILL_CUT_MS, attempt: 0 }],
      ['too-early', { instance: 'egress-1', at: 10_000 - KILL_CUT_MS - 1, attempt: 0 }],
      ['other-instance', { instance: 'egress-2', at: 9_990, attempt: 0 }],
      ['after-kill', { instance: 'egress-1', at: 10_001, attempt: 0 }],
      ['sent', { instance: 'egress-1', at: 9_890, attempt: 0 }],
      ['ok', { instance: 'egress-1', at: 9_600, attempt: 0 }]
    ])
  }))
  assert.equal(m.unknownNeverAccepted, 5)
  assert.equal(m.unknownCutByKill, 1)
  assert.deepEqual(m.cutByKill, [{ requestId: 'cut', instance: 'egress-1', markerAt: 10_000 - KILL_CUT_MS, killAt: 10_000 }])
  const goal = checkGoals(m, { maxUnknownShare: 1, maxPauseMs: 10_000 }).find((g) => g.figure.startsWith('unknown for requests the sim never accepted'))!
  assert.deepEqual([goal.value, goal.isMet], ['4 (+1 cut by a kill)', false])
  // From marker to accept, over the sends accepted once: 10 ms and 100 ms.
  assert.deepEqual(m.markerToAccept, { count: 2, p50: 100, p99: 100, max: 100 })
})

test('acknowledged webhook events missing from Kafka are lost; the event ids are the ingress\'s', () => {
  const body = Buffer.from(JSON.stringify({
    entry: [{ changes: [{ value: { statuses: [{ id: 'wamid.A', status: 'sent' }, { id: 'wamid.A', status: 'read' }], messages: [{ id: 'wamid.B' }] } }] }]
  }))
  assert.deepEqual(eventIdsOf(body), ['wamid.A:sent', 'wamid.A:read', 'wamid.B'])
  const m = computeMeasures(input({ acknowledgedEvents: new Set(eventIdsOf(body)), eventsInKafka: new Set(['wamid.A:sent', 'wamid.B']) }))
  assert.equal(m.acknowledgedWebhookEvents, 3)
  assert.equal(m.acknowledgedWebhooksLost, 1)
  assert.deepEqual(m.examples.acknowledgedWebhooksLost, ['wamid.A:read'])
})

test('the pause after a kill is the longest gap between the survivors\' sends, from the kill to the window\'s end', () => {
  const kill: InjectedFault = { kind: 'kill-egress', target: 'egress-1', at: 1000, detail: '' }
  const sends = [send('a', 900, 'egress-2'), send('b', 1500, 'egress-1'), send('c', 1200, 'egress-2'), send('d', 9200, 'egress-3'), send('e', 9500, 'egress-2'), send('f', 20_000, 'egress-1')]
  const [pause] = computeMeasures(input({ sends, faults: [kill], pauseWindowMs: 10_000 })).pausesAfterKills
  assert.deepEqual(pause, { at: 1000, killed: 'egress-1', survivors: ['egress-2', 'egress-3'], windowMs: 10_000, sends: 3, longestPauseMs: 8000, isCutShort: false, during: [] })
  // The next fault that disturbs sending ends the window: a pause that reaches it lasted at least that long.
  const stall: InjectedFault = { kind: 'pause-broker', target: 'broker 1', at: 5000, detail: '' }
  const [cut] = computeMeasures(input({ sends, faults: [kill, stall], pauseWindowMs: 10_000 })).pausesAfterKills
  assert.deepEqual(cut, { at: 1000, killed: 'egress-1', survivors: ['egress-2', 'egress-3'], windowMs: 4000, sends: 1, longestPauseMs: 3800, isCutShort: true, during: [] })
  // A kill while the broker is stalled is not the kill's pause alone.
  const stalled: InjectedFault = { ...stall, at: 500, endAt: 4000 }
  const [during] = computeMeasures(input({ sends, faults: [stalled, kill], pauseWindowMs: 10_000 })).pausesAfterKills
  assert.deepEqual(during!.during, ['pause-broker broker 1'])
  assert.equal(checkGoals(computeMeasures(input({ sends, faults: [stalled, kill] })), { maxUnknownShare: 0.001, maxPauseMs: 1000 })
    .find((g) => g.figure.startsWith('longest pause'))!.value, 'n/a (every kill fell into another fault)')
  const [unknown] = computeMeasures(input({ sends: sends.map((s) => ({ ...s, userAgent: undefined })), faults: [kill] })).pausesAfterKills
  assert.equal(unknown!.longestPauseMs, null)
  assert.equal(instanceOf('wabridge-egress (egress-2)'), 'egress-2')
  assert.equal(instanceOf('undici'), undefined)
})

test('the goals: zeros, unknown share and pause (met when nothing was killed)', () => {
  const m = computeMeasures(input({ requestIds: ['a'], results: new Map([['a', { finals: [result('a', 'accepted')], settlements: [] }]]), sends: [send('a', 1)] }))
  const goals = checkGoals(m, { maxUnknownShare: 0.001, maxPauseMs: 10_000 })
  assert.ok(goals.every((g) => g.isMet), JSON.stringify(goals))
  assert.equal(goals.find((g) => g.figure.startsWith('longest pause'))!.value, 'no kills')
})
