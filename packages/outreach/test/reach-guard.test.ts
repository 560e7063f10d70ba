import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { ensureTopics } from '@wabridge/kafka'
import { createReachGuard, REACH_WINDOW_MS, type ReachGuard, type ReachGuardOptions } from '../src/index.ts'
import { codec, event, logger, manualClock, produce, readAlerts, testKafka, uniqueName, WABA, waitFor } from './helpers.ts'

const HOUR = 3_600_000

async function topicsFor (t: TestContext) {
  const prefix = uniqueName('reach')
  const admin = testKafka().admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await ensureTopics(admin, { prefix, partitions: 1, only: ['alerts', 'inboundEvents'] })
  return { reach: `${prefix}.campaigns.reach`, alerts: `${prefix}.alerts`, events: `${prefix}.inbound.events` }
}

async function startGuard (t: TestContext, o: Omit<ReachGuardOptions, 'kafka' | 'codec' | 'logger'>): Promise<ReachGuard> {
  const guard = createReachGuard({ kafka: testKafka(), codec, logger, ...o })
  t.after(() => guard.stop())
  await guard.start()
  return guard
}

const recipient = (n: number) => String(393470000000 + n)

test('a portfolio at TIER_250 admits 250 unique recipients in 24 h, holds the 251st, counts a recipient once, and frees a slot 24 h after its count, also across a restart', async (t) => {
  const topics = await topicsFor(t)
  const clock = manualClock()
  const t0 = clock.now()
  // Two numbers of one portfolio share the count.
  const options = { topic: topics.reach, alertsTopic: topics.alerts, portfolioOf: () => 'bp1', tierOf: () => 'TIER_250', share: 1, clock: clock.now }
  const first = await startGuard(t, options)

  assert.equal(await first.admit('111', recipient(0)), true)
  clock.advance(HOUR)
  // Admitted side by side: exactly the room there is, the last one asked is held.
  const answers = await Promise.all(Array.from({ length: 250 }, (_, i) => first.admit(i % 2 === 0 ? '111' : '222', recipient(i + 1))))
  assert.deepEqual(answers.map((a, i) => a ? i : -1).filter((i) => i >= 0).length, 249)
  assert.equal(answers[249], false, 'the 251st recipient waits')
  assert.deepEqual(first.usage('222'), { portfolio: 'bp1', tier: 'TIER_250', limit: 250, used: 250, share: 1 })
  clock.advance(HOUR)
  assert.equal(await first.admit('111', recipient(5)), true, 'a recipient counted in the last 24 h may be messaged again')
  assert.equal(first.usage('111').used, 250)
  assert.equal(first.nextRoomAt('111'), t0 + REACH_WINDOW_MS, 'the first recipient frees the first slot')
  const [firing] = await readAlerts(topics.alerts, 1)
  assert.equal(firing?.state, 'firing')
  assert.equal(firing?.name, 'messaging_limit_reached')
  assert.equal(firing?.scope, 'portfolio:bp1')
  assert.equal(firing?.value, 250)
  assert.equal(firing?.threshold, 250)
  await first.stop()

  // A restart rebuilds the last 24 h (and the open alert) from the reach topic.
  const second = await startGuard(t, options)
  assert.equal(second.usage('111').used, 250)
  assert.equal(await second.admit('111', recipient(300)), false)
  assert.equal(second.nextRoomAt('222'), t0 + REACH_WINDOW_MS)

  clock.advance(t0 + REACH_WINDOW_MS - clock.now())
  assert.equal(second.nextRoomAt('111'), undefined, 'room again once the first recipient left the window')
  assert.equal(second.usage('111').used, 249)
  assert.equal(await second.admit('111', recipient(300)), true)
  assert.equal(await second.admit('111', recipient(301)), false)
  const alerts = await readAlerts(topics.alerts, 3)
  assert.deepEqual(alerts.map((a) => [a.state, a.alert_id === firing?.alert_id]), [['firing', true], ['resolved', true], ['firing', false]])
  assert.equal(alerts[1]?.fired_at, firing?.fired_at)
})

test('the guard follows tier changes of business_capability_update in both forms; unlimited is not tracked; an unknown tier is the configured one', async (t) => {
  const topics = await topicsFor(t)
  const clock = manualClock()
  const guard = await startGuard(t, {
    topic: topics.reach,
    alertsTopic: topics.alerts,
    portfolioOf: () => 'bp2',
    tierOf: (p) => p === 'bp2' ? 'TIER_50' : undefined,
    share: 0.95,
    clock: clock.now,
    events: { topic: topics.events, groupId: uniqueName('reach-events'), portfolioOfWaba: (w) => w === WABA ? 'bp2' : w }
  })
  for (let i = 0; i < 47; i++) assert.equal(await guard.admit('111', recipient(i)), true)
  assert.equal(await guard.admit('111', recipient(47)), false, '95 % of 50 is 47')

  const capability = (value: unknown) => codec.encode('InboundEvent', event('business_capability_update', { max_daily_conversations_per_business: value }, { meta_timestamp: clock.now() }))
  await produce(t, [{ topic: topics.events, key: WABA, value: capability(2000) }])
  await waitFor(() => guard.usage('111').limit === 2000, 30_000, 'the tier from the webhook')
  assert.equal(guard.usage('111').tier, 'TIER_2K')
  assert.equal(await guard.admit('111', recipient(47)), true)

  clock.advance(1000)
  await produce(t, [{ topic: topics.events, key: WABA, value: capability('TIER_UNLIMITED') }])
  await waitFor(() => guard.usage('111').limit === null, 30_000, 'unlimited')
  assert.equal(await guard.admit('111', recipient(1000)), true)
  assert.equal(guard.usage('111').used, 0, 'an unlimited portfolio is not tracked')

  clock.advance(1000)
  await produce(t, [{ topic: topics.events, key: WABA, value: capability('TIER_SOMETHING_NEW') }])
  await waitFor(() => guard.usage('111').limit === 50, 30_000, 'the configured tier for an unknown one')
})

test('the tier Meta reports through the Graph API applies over the configured one, and is kept in the reach topic', async (t) => {
  const topics = await topicsFor(t)
  const asked: string[] = []
  const options = {
    topic: topics.reach,
    alertsTopic: topics.alerts,
    portfolioOf: () => 'bp3',
    tierOf: () => 'TIER_250',
    share: 1,
    graph: { messagingLimit: async (phone: string) => { asked.push(phone); return 'TIER_10K' } }
  }
  const guard = await startGuard(t, options)
  assert.equal(guard.usage('111').limit, 250, 'until asked, the configured tier')
  assert.equal(await guard.admit('111', recipient(1)), true)
  assert.deepEqual(asked, ['111'])
  assert.deepEqual(guard.usage('111'), { portfolio: 'bp3', tier: 'TIER_10K', limit: 10_000, used: 1, share: 1 })
  await guard.stop()
  const again = await startGuard(t, { ...options, graph: undefined })
  assert.deepEqual(again.usage('111'), { portfolio: 'bp3', tier: 'TIER_10K', limit: 10_000, used: 1, share: 1 })
})
