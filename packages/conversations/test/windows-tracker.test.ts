import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createProducer } from '@wabridge/kafka'
import { firstJoinCrashes } from '@wabridge/kafka/testing'
import { CSW_DURATION_MS, windowKey, type CustomerWindow } from '@wabridge/schemas'
import { createWindowTracker } from '../src/index.ts'
import { codec, inboundProducer, logger, manualClock, message, PHONE, testKafka, waitFor, windowPrefix } from './windows-helpers.ts'

test('the race: a message produced and at once asked about is open after sync(); an unknown pair is closed', async (t) => {
  const kafka = testKafka()
  const { prefix, topics } = await windowPrefix(t, kafka, 3)
  const clock = manualClock(Date.now())
  const tracker = createWindowTracker(kafka, { prefix, codec, logger, clock: clock.now, sweepIntervalMs: 0 })
  t.after(() => tracker.stop())
  await tracker.start()
  assert.equal(await tracker.caughtUp(Date.now() + 30_000), true)
  assert.equal(tracker.isCaughtUp(), true)
  const send = await inboundProducer(t, kafka, topics)
  for (let i = 0; i < 10; i++) {
    const from = `3161${i}`
    const at = clock.now()
    await send.messages(message({ from, id: `wamid.race.${i}`, at }))
    // Immediately after the acknowledgement: the barrier, then the answer.
    assert.equal(await tracker.sync(Date.now() + 30_000), true)
    assert.deepEqual(tracker.state(PHONE, from), { csw: 'open', cswClosesAt: at + CSW_DURATION_MS, fep: 'closed' }, `message ${i}`)
    assert.equal(tracker.lookup(PHONE, from)?.last_inbound_id, `wamid.race.${i}`)
  }
  assert.deepEqual(tracker.state(PHONE, '999'), { csw: 'closed', fep: 'closed' })
  clock.advance(CSW_DURATION_MS)
  assert.equal(tracker.state(PHONE, '31610').csw, 'closed')
})

test('concurrent syncs share the end-offsets fetch and all resolve; a sync past its deadline answers false', async (t) => {
  const kafka = testKafka()
  const { prefix, topics } = await windowPrefix(t, kafka, 2)
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  let fetches = 0
  const counting = Object.create(admin, { fetchTopicOffsets: { value: async (topic: string) => { if (topic === topics.messages) fetches++; return await admin.fetchTopicOffsets(topic) } } }) as typeof admin
  const tracker = createWindowTracker(kafka, { prefix, codec, logger, admin: counting, sweepIntervalMs: 0 })
  t.after(() => tracker.stop())
  await tracker.start()
  const send = await inboundProducer(t, kafka, topics)
  await send.messages(...Array.from({ length: 20 }, (_, i) => message({ from: `4400${i}`, id: `wamid.c.${i}`, at: Date.now() })))
  const before = fetches
  const answers = await Promise.all(Array.from({ length: 50 }, () => tracker.sync(Date.now() + 30_000)))
  assert.deepEqual(new Set(answers), new Set([true]))
  // One fetch started at once; every later call waited for one more, which served them all.
  assert.ok(fetches - before <= 2, `${fetches - before} fetches for 50 concurrent syncs`)
  for (let i = 0; i < 20; i++) assert.equal(tracker.state(PHONE, `4400${i}`).csw, 'open')
  assert.equal(await tracker.sync(Date.now() - 1), false)
  assert.equal(tracker.size(), 20)
})

test('starts from wa.windows and the keeper group\'s offsets: windows the keeper wrote count, messages before its offset are not re-read', async (t) => {
  const kafka = testKafka()
  const { prefix, topics } = await windowPrefix(t, kafka, 1)
  const send = await inboundProducer(t, kafka, topics)
  const now = Date.now()
  // Two messages the keeper "processed": one with its window written, one without (to prove it is not re-read).
  await send.messages(message({ from: '5501', id: 'wamid.k1', at: now }), message({ from: '5502', id: 'wamid.k2', at: now }))
  const producer = createProducer(kafka, { lingerMs: 0 })
  t.after(() => producer.stop())
  await producer.start()
  const written: CustomerWindow = { phone_number_id: PHONE, wa_id: '5501', last_inbound_at: now, last_inbound_id: 'wamid.k1', csw_expires_at: now + CSW_DURATION_MS, referral_at: null, fep_opened_at: null, fep_expires_at: null, updated_at: now }
  await producer.send([{ topic: topics.windows, key: windowKey(PHONE, '5501'), value: await codec.serialize(topics.windows, 'CustomerWindow', written) }])
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await admin.setOffsets({ groupId: `${prefix}.conversations.windows`, topic: topics.messages, partitions: [{ partition: 0, offset: '2' }] })
  const tracker = createWindowTracker(kafka, { prefix, codec, logger, sweepIntervalMs: 0 })
  t.after(() => tracker.stop())
  await tracker.start()
  assert.equal(await tracker.caughtUp(Date.now() + 30_000), true)
  assert.equal(tracker.state(PHONE, '5501').csw, 'open')
  assert.equal(tracker.lookup(PHONE, '5502'), undefined)
  await send.messages(message({ from: '5503', id: 'wamid.k3', at: Date.now() }))
  assert.equal(await tracker.sync(Date.now() + 30_000), true)
  assert.equal(tracker.state(PHONE, '5503').csw, 'open')
  // A tombstone the keeper wrote removes the pair once it is closed for the tracker too.
  const later: CustomerWindow = { ...written, wa_id: '5504', last_inbound_id: 'wamid.k4' }
  await producer.send([
    { topic: topics.windows, key: windowKey(PHONE, '5503'), value: null },
    { topic: topics.windows, key: windowKey(PHONE, '5504'), value: await codec.serialize(topics.windows, 'CustomerWindow', later) }
  ])
  // The record after the tombstone has been read, so the tombstone has too.
  await waitFor(() => tracker.lookup(PHONE, '5504') !== undefined, 30_000, 'the window written after the tombstone')
  assert.equal(tracker.state(PHONE, '5503').csw, 'open', 'a tombstone does not close a window the tail saw open')
})

test('a first join that crashes and is restarted by kafkajs: start() resolves and the tail reads from where it stood', async (t) => {
  const kafka = testKafka()
  const { prefix, topics } = await windowPrefix(t, kafka, 2)
  const clock = manualClock(Date.now())
  const tracker = createWindowTracker(firstJoinCrashes(kafka), { prefix, codec, logger, clock: clock.now, sweepIntervalMs: 0 })
  t.after(() => tracker.stop())
  await tracker.start()
  const send = await inboundProducer(t, kafka, topics)
  const at = clock.now()
  await send.messages(message({ from: '31620', id: 'wamid.rejoin', at }))
  assert.equal(await tracker.sync(Date.now() + 30_000), true)
  assert.deepEqual(tracker.state(PHONE, '31620'), { csw: 'open', cswClosesAt: at + CSW_DURATION_MS, fep: 'closed' })
})
