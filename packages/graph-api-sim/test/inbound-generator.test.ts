import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { post, startReceiver, startSim } from './helpers.ts'

const PNID = '106540352242922'
const SECRET = 's3cret'

test('generates inbound text messages at the given rate and sends them as signed webhooks with contacts', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, webhook: { batchMs: 10 } })
  const started = performance.now()
  const id = sim.startInbound({ phoneNumberId: PNID, rate: 100, durationMs: 500 })
  assert.equal(sim.inboundRuns()[0]?.id, id)
  while (sim.inboundRuns().length > 0) await new Promise((resolve) => setTimeout(resolve, 10))
  const elapsed = performance.now() - started
  assert.equal(sim.inbound().length, 50, '100/s for 0.5 s')
  assert.ok(elapsed >= 480 && elapsed < 1500, `took ${elapsed} ms`)
  // Arrival times are spread over the run, not one burst.
  const at = sim.inbound().map((m) => m.at)
  assert.ok((at[49] as number) - (at[0] as number) >= 400)
  assert.equal(await sim.webhooksIdle(5000), true)

  const messages = receiver.received.flatMap((w) => {
    assert.equal(verifyWebhookSignature(w.raw, w.signature, [SECRET]).ok, true)
    return w.json.entry.flatMap((e) => e.changes.map((c) => c.value))
  })
  const items = messages.flatMap((v) => v.messages as Array<Record<string, any>>)
  assert.equal(items.length, 50)
  for (const v of messages) {
    const contacts = v.contacts as Array<{ wa_id: string, profile: { name: string } }>
    for (const m of v.messages as Array<{ from: string }>) assert.ok(contacts.some((c) => c.wa_id === m.from && typeof c.profile.name === 'string'))
  }
  for (const m of items) {
    assert.equal(m.type, 'text')
    assert.match(m.id, /^wamid\./)
    assert.match(m.timestamp, /^\d{10}$/)
    assert.equal(typeof m.text.body, 'string')
  }
  assert.equal(sim.stats().phoneNumbers[PNID]?.inbound, 50)
})

test('count and from bound a run; stopInbound ends it early', async (t) => {
  const sim = await startSim(t)
  sim.startInbound({ phoneNumberId: PNID, rate: 1000, count: 7, from: '15550009999' })
  const endless = sim.startInbound({ phoneNumberId: '2', rate: 10 })
  while (sim.inbound().filter((m) => m.phoneNumberId === PNID).length < 7) await new Promise((resolve) => setTimeout(resolve, 5))
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.equal(sim.inbound().filter((m) => m.phoneNumberId === PNID).length, 7)
  assert.ok(sim.inbound().every((m) => m.phoneNumberId !== PNID || m.from === '15550009999'))
  assert.equal(sim.stopInbound(endless), true)
  assert.equal(sim.stopInbound(endless), false)
  assert.deepEqual(sim.inboundRuns(), [])
})

test('POST /_sim/inbound starts a run and DELETE stops it', async (t) => {
  const sim = await startSim(t)
  const started = await post(`${sim.url}/_sim/inbound`, { phoneNumberId: PNID, rate: 50 })
  assert.equal(started.status, 200)
  const runs = await (await fetch(`${sim.url}/_sim/inbound`)).json() as { runs: Array<{ id: string }> }
  assert.deepEqual(runs.runs.map((r) => r.id), [started.body.id])
  const del = await fetch(`${sim.url}/_sim/inbound/${started.body.id as string}`, { method: 'DELETE' })
  assert.equal(del.status, 200)
  assert.equal((await fetch(`${sim.url}/_sim/inbound/${started.body.id as string}`, { method: 'DELETE' })).status, 404)
  assert.equal((await post(`${sim.url}/_sim/inbound`, { phoneNumberId: PNID, rate: -1 })).status, 400)
})
