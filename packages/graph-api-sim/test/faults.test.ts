import assert from 'node:assert/strict'
import { test } from 'node:test'
import { post, startSim, textBody } from './helpers.ts'

const PNID = '106540352242922'

test('next-N faults: a burst of 130429 then normal service', async (t) => {
  const sim = await startSim(t, { faults: [{ count: 3, action: { type: 'error', code: 130429 } }] })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const codes = []
  for (let i = 0; i < 5; i++) codes.push((await post(url, textBody(`+155550${i}`))).body.error?.code ?? 0)
  assert.deepEqual(codes, [130429, 130429, 130429, 0, 0])
  assert.deepEqual(sim.faults(), [])
})

test('5xx faults carry Meta\'s codes 1, 2 and 131000 with their HTTP statuses', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  for (const [code, status] of [[1, 500], [2, 503], [131000, 500]] as const) {
    sim.addFault({ count: 1, action: { type: 'error', code } })
    const r = await post(url, textBody('+15555001'))
    assert.deepEqual([r.status, r.body.error.code, r.body.error.type], [status, code, 'OAuthException'])
  }
  assert.equal(sim.accepted().length, 0)
})

test('a fault for one recipient: 131026 for +15550000001 only', async (t) => {
  const sim = await startSim(t)
  sim.addFault({ match: { to: '+15550000001' }, action: { type: 'error', code: 131026 } })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  const bad = await post(url, textBody('15550000001'))
  assert.deepEqual([bad.status, bad.body.error.code], [400, 131026])
  assert.match(bad.body.error.error_data.details, /cannot receive/)
  assert.equal((await post(url, textBody('+15550000002'))).status, 200)
  assert.equal((await post(url, textBody('+15550000001'))).body.error.code, 131026, 'a rule without count stays')
})

test('probabilistic faults fire at about their probability (seeded randomness)', async (t) => {
  let seed = 3
  const random = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 }
  const sim = await startSim(t, { random, pairRate: false, faults: [{ probability: 0.3, action: { type: 'error', code: 2 } }] })
  const url = `${sim.url}/v23.0/${PNID}/messages`
  let failed = 0
  for (let i = 0; i < 60; i++) if ((await post(url, textBody('+15555002'))).status !== 200) failed++
  assert.ok(failed > 6 && failed < 36, `${failed} of 60`)
})

test('a timeout fault answers late when answerAfterMs is set; accept: false records nothing', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  sim.addFault({ count: 1, action: { type: 'timeout', answerAfterMs: 150 } })
  const started = performance.now()
  assert.equal((await post(url, textBody('+15555003'))).status, 200)
  assert.ok(performance.now() - started >= 140)
  sim.addFault({ count: 1, action: { type: 'timeout', answerAfterMs: 10, accept: false } })
  const r = await post(url, textBody('+15555004'))
  assert.deepEqual([r.status, r.body.error.code], [503, 2])
  assert.equal(sim.accepted().length, 1)
})

test('a reset fault drops the connection; with accept the message is recorded anyway', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/messages`
  sim.addFault({ count: 1, action: { type: 'reset' } })
  await assert.rejects(post(url, textBody('+15555005')))
  sim.addFault({ count: 1, action: { type: 'reset', accept: false } })
  await assert.rejects(post(url, textBody('+15555006')))
  assert.deepEqual(sim.accepted().map((m) => m.to), ['+15555005'])
})

test('a request held forever is released by stop()', async (t) => {
  const sim = await startSim(t, { faults: [{ action: { type: 'timeout' } }] })
  const pending = post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15555007')).then(() => 'answered', () => 'dropped')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = performance.now()
  await sim.stop()
  assert.equal(await pending, 'dropped')
  assert.ok(performance.now() - started < 1000)
})

test('faults can be listed, added, replaced and removed over HTTP', async (t) => {
  const sim = await startSim(t)
  const added = await post(`${sim.url}/_sim/faults`, { match: { type: 'template' }, action: { type: 'error', code: 132001 } })
  assert.equal(added.body.id, 'f1')
  assert.equal((await post(`${sim.url}/_sim/faults`, { action: { type: 'explode' } })).status, 400)
  const replaced = await post(`${sim.url}/_sim/faults`, { rules: [{ id: 'mine', count: 2, action: { type: 'error', code: 4 } }] })
  assert.deepEqual(replaced.body.faults.map((f: { id: string }) => f.id), ['mine'])
  const listed = await (await fetch(`${sim.url}/_sim/faults`)).json() as { faults: Array<{ id: string, applied: number }> }
  assert.deepEqual(listed.faults.map((f) => [f.id, f.applied]), [['mine', 0]])
  assert.equal((await post(`${sim.url}/v23.0/${PNID}/messages`, textBody('+15555008'))).body.error.code, 4)
  assert.equal((await fetch(`${sim.url}/_sim/faults/mine`, { method: 'DELETE' })).status, 200)
  assert.equal((await fetch(`${sim.url}/_sim/faults/mine`, { method: 'DELETE' })).status, 404)
  await post(`${sim.url}/_sim/faults`, { action: { type: 'error', code: 1 } })
  assert.equal((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status, 200)
  assert.deepEqual(sim.faults(), [])
})
