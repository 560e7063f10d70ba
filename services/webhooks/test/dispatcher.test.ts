import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Meter } from '@opentelemetry/api'
import type { WebhookDelivery } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createDispatcher } from '../src/dispatcher.ts'
import { createEndpointHealth } from '../src/endpoint-health.ts'
import { fromInboundMessage } from '../src/events.ts'
import { createWebhooksMetrics, type DeliveryOutcome } from '../src/instruments.ts'
import { laneOf } from '../src/retry-store.ts'
import type { SendOutcome } from '../src/sender.ts'
import { newSubscription, setEnabled } from '../src/subscriptions.ts'
import { inboundMessage } from './helpers.ts'

const source = { topic: 'wa.inbound.messages', partition: 0, offset: '1' }

function setup (answer: (url: string, d: WebhookDelivery) => boolean) {
  let clock = 1_000_000
  const parked: WebhookDelivery[] = []
  const attempted: string[] = []
  const failed: Array<[WebhookDelivery, string]> = []
  const outcomes: Array<[string, DeliveryOutcome]> = []
  const a = newSubscription({ url: 'https://a.example.com/h' }, 0)
  const b = newSubscription({ url: 'https://b.example.com/h' }, 0)
  let subs = [a, b]
  const dispatcher = createDispatcher({
    subscriptions: () => subs,
    retry: {
      isParked: (lane) => parked.some((d) => laneOf(d.subscription_id, d.conversation) === lane),
      queue: async (d) => { parked.push(d); return { acked: Promise.resolve() } }
    },
    attempt: async (sub, d): Promise<SendOutcome> => {
      attempted.push(`${sub.url} ${JSON.parse(d.body).data.message.text.body}`)
      return answer(sub.url, d) ? { ok: true, status: 200, durationMs: 1 } : { ok: false, status: null, error: 'HeadersTimeoutError', isRefused: false, durationMs: 5000 }
    },
    outputs: { failed: async (d, reason) => { failed.push([d, reason]) } },
    health: createEndpointHealth({ quietMs: 5000, maxQuietMs: 60_000 }),
    metrics: { delivery: (id, outcome) => { outcomes.push([id, outcome]) }, latency: () => {} },
    onFailure: async () => {},
    logger: createLogger({ level: 'silent', name: 't' }),
    now: () => clock
  })
  return { dispatcher, parked, attempted, failed, outcomes, a, b, tick: (ms: number) => { clock += ms }, setSubs: (list: typeof subs) => { subs = list } }
}

test('a failed attempt parks the delivery; later events of its lane park behind it, other lanes and endpoints go on', async () => {
  const s = setup((url, d) => !(url.startsWith('https://a.') && d.body.includes('fail-me')))
  const events = [inboundMessage('1001', 'fail-me'), inboundMessage('1001', 'second'), inboundMessage('1002', 'other conversation')].map(fromInboundMessage)
  // Endpoint a fails the first event; b takes everything.
  for (const e of events) await s.dispatcher.dispatch(e, source)
  assert.deepEqual(s.parked.map((d) => [JSON.parse(d.body).data.message.text.body, d.attempts, d.first_failed_at === null, d.last_error]), [
    ['fail-me', 1, false, 'HeadersTimeoutError'],
    // behind it in its lane, without an attempt
    ['second', 0, true, null],
    // another conversation: a timed out less than WEBHOOKS_RETRY_MIN_MS ago, so no attempt either
    ['other conversation', 0, true, null]
  ])
  assert.ok(s.parked.every((d) => d.subscription_id === s.a.subscription_id))
  assert.deepEqual(s.attempted, ['https://a.example.com/h fail-me', 'https://b.example.com/h fail-me', 'https://b.example.com/h second', 'https://b.example.com/h other conversation'])
  // Once the quiet time passed, a new conversation is tried on a again.
  s.tick(5000)
  await s.dispatcher.dispatch(fromInboundMessage(inboundMessage('1003', 'later')), source)
  assert.deepEqual(s.attempted.slice(4), ['https://a.example.com/h later', 'https://b.example.com/h later'])
  assert.deepEqual(s.outcomes.filter(([id]) => id === s.a.subscription_id).map(([, o]) => o), ['failed', 'parked', 'parked', 'parked', 'ok'])
})

test('a disabled subscription keeps its events in the failed topic; the webhook id is per subscription and event', async () => {
  const s = setup(() => true)
  s.setSubs([setEnabled(s.a, false, 5, 'failing for 3 d'), s.b])
  const event = fromInboundMessage(inboundMessage('1001', 'hi', 'wamid.fixed'))
  await s.dispatcher.dispatch(event, source)
  await s.dispatcher.dispatch(event, source)
  assert.equal(s.failed.length, 2)
  assert.equal(s.failed[0]![1], 'subscription disabled: failing for 3 d')
  assert.equal(s.failed[0]![0].webhook_id, s.failed[1]![0].webhook_id)
  assert.deepEqual(s.attempted, ['https://b.example.com/h hi', 'https://b.example.com/h hi'])
  assert.deepEqual(s.outcomes.map(([, o]) => o), ['given_up', 'ok', 'given_up', 'ok'])
})

test('a failing endpoint cools down for as long as it had been failing, between the minimum and the maximum', () => {
  const health = createEndpointHealth({ quietMs: 1000, maxQuietMs: 8000 })
  health.failure('s', 0, 0)
  assert.deepEqual([health.isCoolingDown('s', 999), health.isCoolingDown('s', 1000)], [true, false])
  health.failure('s', 0, 5000)
  assert.deepEqual([health.isCoolingDown('s', 9999), health.isCoolingDown('s', 10_000)], [true, false])
  health.failure('s', 0, 60_000)
  assert.deepEqual([health.isCoolingDown('s', 67_999), health.isCoolingDown('s', 68_000)], [true, false])
  health.success('s')
  assert.equal(health.isCoolingDown('s', 60_001), false)
  // A fast HTTP answer (5xx) counts for the failing period but starts no cool-down.
  assert.equal(health.failure('s', 70_000, 70_500, false), 500)
  assert.equal(health.isCoolingDown('s', 70_501), false)
})

test('the instruments count deliveries by subscription and outcome and report the backlog', () => {
  const adds: Array<[string, number, Record<string, unknown>]> = []
  const recorded: number[] = []
  const observed: Array<[number, Record<string, unknown>]> = []
  const meter = {
    createCounter: (name: string) => ({ add: (v: number, attrs: Record<string, unknown>) => adds.push([name, v, attrs]) }),
    createHistogram: () => ({ record: (v: number) => recorded.push(v) }),
    createObservableGauge: () => ({ addCallback: (cb: (r: { observe: (v: number, a: Record<string, unknown>) => void }) => void) => cb({ observe: (v, a) => observed.push([v, a]) }) })
  } as unknown as Meter
  const metrics = createWebhooksMetrics(meter, () => new Map([['sub_1', 3]]))
  metrics.delivery('sub_1', 'retried')
  metrics.latency('sub_1', 250, true)
  assert.deepEqual(adds, [['wabridge.webhooks.deliveries', 1, { subscription_id: 'sub_1', outcome: 'retried' }]])
  assert.deepEqual(recorded, [0.25])
  assert.deepEqual(observed, [[3, { subscription_id: 'sub_1' }]])
})
