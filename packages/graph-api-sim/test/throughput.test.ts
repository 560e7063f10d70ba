import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { manualClock, post, startSim, textBody } from './helpers.ts'

const PNID = '106540352242922'

test('accepts exactly the limit in any one-second window (injected clock, concurrent bursts)', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now, pairRate: false })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  let seed = 7
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  let refusedWhileFull = 0
  for (let step = 0; step < 150; step++) {
    clock.advance(Math.floor(random() * 40))
    const k = 1 + Math.floor(random() * 12)
    const inWindowBefore = sim.accepted().filter((m) => m.acceptedAt > clock.t - 1000).length
    const results = await Promise.all(Array.from({ length: k }, (_, i) => post(url, textBody(`+1555000${step}${i}`))))
    const accepted = results.filter((r) => r.status === 200).length
    const refused = results.filter((r) => r.body?.error?.code === 130429).length
    // Same clock time for the whole burst: exactly the free room is accepted, the rest refused.
    assert.equal(accepted, Math.min(k, 80 - inWindowBefore), `step ${step}`)
    assert.equal(accepted + refused, k)
    if (refused > 0) refusedWhileFull++
  }
  assert.ok(refusedWhileFull > 0, 'the run must hit the limit')
  assert.equal(sim.maxInWindow(PNID, 1000), 80)
  assert.equal(sim.stats().phoneNumbers[PNID]?.maxInWindow, 80)
})

test('the window is half-open: 80 at t, none at t+999, 80 again at t+1000', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now, pairRate: false })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const burst = async (n: number): Promise<number> =>
    (await Promise.all(Array.from({ length: n }, (_, i) => post(url, textBody(`+1555100${i}`))))).filter((r) => r.status === 200).length
  assert.equal(await burst(100), 80)
  clock.advance(999)
  assert.equal(await burst(5), 0)
  clock.advance(1)
  assert.equal(await burst(100), 80)
  assert.deepEqual(sim.stats().refusedByCode, { 130429: 45 })
})

test('a sender paced at exactly the limit is never refused (real time, 2 s at 50 msg/s)', async (t) => {
  const now = (): number => performance.timeOrigin + performance.now()
  const sim = await startSim(t, { now, phoneNumbers: { [PNID]: { mps: 50 } }, pairRate: false })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const answeredAt: number[] = []
  const start = now()
  for (let i = 0; i < 100; i++) {
    // One every 20 ms, and never more than 50 in any second as the sender can know it: the
    // (i-50)-th request was surely counted before its response arrived.
    const notBefore = Math.max(start + i * 20, i >= 50 ? (answeredAt[i - 50] as number) + 1000 : 0)
    while (now() < notBefore) await sleep(Math.max(0, Math.min(5, notBefore - now())))
    const r = await post(url, textBody(`+1555200${i}`))
    assert.equal(r.status, 200, `request ${i}: ${JSON.stringify(r.body)}`)
    answeredAt.push(now())
  }
  assert.equal(sim.refused().length, 0)
  assert.equal(sim.accepted().length, 100)
  // 50 when every request arrives on schedule; a scheduling hiccup of > 20 ms may cost one.
  assert.ok(sim.maxInWindow(PNID, 1000) >= 48, 'the sender used (nearly) the whole limit')
  assert.ok(sim.maxInWindow(PNID, 1000) <= 50)
  assert.ok(now() - start < 2500)
})

test('inbound customer messages count toward the number\'s throughput', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now, pairRate: false })
  sim.startInbound({ phoneNumberId: PNID, rate: 2000, count: 30 })
  while (sim.inbound().length < 30) await sleep(5)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const results = await Promise.all(Array.from({ length: 80 }, (_, i) => post(url, textBody(`+1555300${i}`))))
  assert.equal(results.filter((r) => r.status === 200).length, 50)
  assert.equal(results.filter((r) => r.body?.error?.code === 130429).length, 30)
  assert.equal(sim.maxInWindow(PNID, 1000), 80)
  assert.equal(sim.maxInWindow(PNID, 1000, { includeInbound: false }), 50)
})

test('the pair rate limit answers 131056 after a burst of 45 to one recipient', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const codes: number[] = []
  for (let i = 0; i < 46; i++) {
    const r = await post(url, textBody('+16505551234'))
    codes.push(r.status === 200 ? 0 : r.body.error.code)
  }
  assert.deepEqual(codes, [...Array(45).fill(0), 131056])
  assert.equal((await post(url, textBody('+16505559999'))).status, 200, 'other recipients are unaffected')
  clock.advance(5999)
  assert.equal((await post(url, textBody('+16505551234'))).body.error.code, 131056)
  clock.advance(1)
  assert.equal((await post(url, textBody('+16505551234'))).status, 200)
})
