import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CSW_DURATION_MS, FEP_DURATION_MS, windowKey } from '@wabridge/schemas'
import { createWindowKeeper, type WindowKeeper } from '../src/index.ts'
import { codec, inboundProducer, logger, manualClock, message, PHONE, status, testKafka, waitFor, watchWindows, windowPrefix } from './windows-helpers.ts'

const H = 3600_000

test('the keeper merges messages and statuses into wa.windows, commits after the writes, reloads on restart and tombstones closed pairs', async (t) => {
  const kafka = testKafka()
  const { prefix, topics } = await windowPrefix(t, kafka, 2)
  const clock = manualClock()
  const T = clock.now()
  let written = 0
  const start = async () => {
    const keeper = createWindowKeeper(kafka, { prefix, codec, logger, clock: clock.now, sweepIntervalMs: 0, partitions: 2, sessionTimeoutMs: 10_000, events: { written: (n) => { written += n } } })
    t.after(() => keeper.stop())
    await keeper.start()
    await waitFor(() => keeper.isReady(), 30_000, 'the keeper joined')
    return keeper
  }
  const keeper = await start()
  const send = await inboundProducer(t, kafka, topics)
  await send.messages(message({ from: '7701', id: 'wamid.a', at: T - 2 * H }), message({ from: '7701', id: 'wamid.b', at: T - H, referral_source_id: 'ad-1' }), message({ from: '7702', id: 'wamid.c', at: T - 3 * H }))
  await send.statuses(status({ to: '7701', id: 'wamid.r', at: T - H + 60_000, pricing_category: 'referral_conversion' }), status({ to: '7702', id: 'wamid.x', at: T - H, pricing_category: 'service' }))
  await waitFor(() => keeper.lookup(PHONE, '7701')?.fep_opened_at != null && keeper.lookup(PHONE, '7702') !== undefined, 30_000, 'both pairs merged')
  const latest = await watchWindows(t, kafka, topics.windows)
  await waitFor(() => latest.get(windowKey(PHONE, '7701'))?.fep_opened_at != null && latest.has(windowKey(PHONE, '7702')), 30_000, 'the windows written')
  const a = latest.get(windowKey(PHONE, '7701'))!
  assert.equal(a.last_inbound_id, 'wamid.b')
  assert.equal(a.csw_expires_at, T - H + CSW_DURATION_MS)
  assert.equal(a.referral_at, T - H)
  assert.equal(a.fep_opened_at, T - H + 60_000)
  assert.equal(a.fep_expires_at, T - H + 60_000 + FEP_DURATION_MS)
  assert.equal(latest.get(windowKey(PHONE, '7702'))?.last_inbound_id, 'wamid.c')
  assert.deepEqual(keeper.state(PHONE, '7702'), { csw: 'open', cswClosesAt: T - 3 * H + CSW_DURATION_MS, fep: 'closed' })
  // The group's offsets are committed: everything consumed.
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await waitFor(async () => {
    const [m] = await admin.fetchOffsets({ groupId: `${prefix}.conversations.windows`, topics: [topics.messages] })
    return m!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) === 3
  }, 30_000, 'offsets committed')

  // Restart: the state comes back from wa.windows, nothing is re-read from the inbound topics.
  await keeper.stop()
  const writtenBefore = written
  const again = await start()
  assert.equal(again.lookup(PHONE, '7701')?.fep_opened_at, T - H + 60_000)
  assert.equal(written, writtenBefore)

  // 25 h later the CSWs are closed, but 7701's FEP is open: only 7702 is tombstoned.
  clock.advance(25 * H)
  assert.equal(await again.sweep(), 1)
  assert.equal(again.lookup(PHONE, '7702'), undefined)
  assert.equal(again.state(PHONE, '7701').fep, 'open')
  clock.advance(FEP_DURATION_MS)
  assert.equal(await again.sweep(), 1)
  assert.equal(again.size(), 0)
  await waitFor(() => [...latest.values()].every((v) => v === null), 30_000, 'both pairs tombstoned')
})

test('two keepers: partition p of messages and statuses goes to the same member, and between them every pair is kept', async (t) => {
  const kafka = testKafka()
  const { prefix, topics } = await windowPrefix(t, kafka, 4)
  const keepers: WindowKeeper[] = []
  for (let i = 0; i < 2; i++) {
    const keeper = createWindowKeeper(kafka, { prefix, codec, logger, sweepIntervalMs: 0, partitions: 4, sessionTimeoutMs: 10_000 })
    t.after(() => keeper.stop())
    keepers.push(keeper)
  }
  await Promise.all(keepers.map((k) => k.start()))
  const owned = (k: WindowKeeper, topic: string) => [...(k.assignment()[topic] ?? [])].sort()
  await waitFor(() => keepers.every((k) => owned(k, topics.messages).length === 2), 60_000, () => `both keepers own two partitions: ${JSON.stringify(keepers.map((k) => k.assignment()))}`)
  for (const k of keepers) assert.deepEqual(owned(k, topics.statuses), owned(k, topics.messages))
  assert.deepEqual([...owned(keepers[0]!, topics.messages), ...owned(keepers[1]!, topics.messages)].sort(), [0, 1, 2, 3])

  const send = await inboundProducer(t, kafka, topics)
  const now = Date.now()
  const customers = Array.from({ length: 40 }, (_, i) => `88${String(i).padStart(4, '0')}`)
  await send.messages(...customers.map((c, i) => message({ from: c, id: `wamid.m${i}`, at: now })))
  await send.statuses(...customers.map((c, i) => status({ to: c, id: `wamid.s${i}`, at: now + 1000, pricing_category: 'referral_conversion' })))
  // Each keeper reads wa.windows whole: both end up knowing every pair with its CSW and FEP.
  for (const k of keepers) {
    await waitFor(() => customers.every((c) => { const s = k.state(PHONE, c); return s.csw === 'open' && s.fep === 'open' }), 60_000, 'every pair open on both keepers')
  }
  const latest = await watchWindows(t, kafka, topics.windows)
  await waitFor(() => latest.size === 40, 30_000, 'every pair on wa.windows')
  for (const c of customers) {
    const w = latest.get(windowKey(PHONE, c))
    assert.ok(w?.last_inbound_at === now && w.fep_opened_at === now + 1000, `${c}: ${JSON.stringify(w)}`)
  }
})
