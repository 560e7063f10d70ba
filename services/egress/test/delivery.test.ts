import assert from 'node:assert/strict'
import { test } from 'node:test'
import { topicNames } from '@wabridge/kafka'
import { collect, produceRequests, startScenario, textRequest, waitFor } from './helpers.ts'

test('requests are sent once each and get exactly one accepted result, echoing the request id to Meta', async (t) => {
  const { prefix, sim, results, producer } = await startScenario(t)
  const requests = Array.from({ length: 30 }, (_, i) => textRequest(i % 2 ? '1001' : '1002', `+1555000${String(i % 5).padStart(4, '0')}`, `req-${i}`))
  await produceRequests(producer, prefix, requests)

  await waitFor(() => results.length >= 30, 30_000, () => `30 results, have ${results.length}`)
  await new Promise((resolve) => setTimeout(resolve, 500))
  assert.equal(results.length, 30)
  assert.ok(results.every((r) => r.status === 'accepted' && r.wamid?.startsWith('wamid.') && r.attempts === 1))
  assert.deepEqual(new Set(results.map((r) => r.request_id)).size, 30)
  const accepted = sim.accepted()
  assert.equal(accepted.length, 30)
  assert.deepEqual(accepted.map((m) => m.bizOpaqueCallbackData).sort(), requests.map((r) => r.request_id).sort())
  assert.deepEqual(sim.duplicates(), [])
  const r7 = results.find((r) => r.request_id === 'req-7')!
  assert.equal(r7.metadata.test, 'yes')
  assert.equal(r7.wamid, accepted.find((m) => m.bizOpaqueCallbackData === 'req-7')!.wamid)
})

test('retryable errors are retried, permanent ones and invalid requests land in the DLQ with the reason', async (t) => {
  const { prefix, sim, kafka, results, producer } = await startScenario(t, {
    faults: [
      { match: { to: '+15550000001' }, action: { type: 'error', code: 131026 } },
      { match: { to: '+15550000002' }, count: 2, action: { type: 'error', code: 131000, httpStatus: 500 } }
    ]
  })
  const dlq = await collect(t, kafka, topicNames(prefix).outboundDlq, 'DeadLetter')
  await produceRequests(producer, prefix, [
    textRequest('1001', '+15550000001', 'permanent'),
    textRequest('1001', '+15550000002', 'retried'),
    textRequest('1001', '+15550000003', 'expired', { expires_at: Date.now() - 1000 })
  ])
  await producer.send([
    { topic: topicNames(prefix).outboundRequests, key: '1001', value: JSON.stringify({ request_id: 'bad-json', phone_number_id: '1001', to: '+15550000004', message: { type: 'text' } }), headers: { 'content-type': 'application/json' } },
    { topic: topicNames(prefix).outboundRequests, key: '1001', value: JSON.stringify({ request_id: 'good-json', phone_number_id: '1001', to: '+15550000005', message: { type: 'text', text: { body: 'hi' } } }), headers: { 'content-type': 'application/json' } },
    { topic: topicNames(prefix).outboundRequests, key: '9999', value: JSON.stringify({ request_id: 'wrong-key', phone_number_id: '1001', to: '+15550000006', message: { type: 'text', text: { body: 'hi' } } }) }
  ])

  await waitFor(() => results.length >= 6 && dlq.length >= 3, 30_000, () => `6 results and 3 dead letters, have ${results.length} and ${dlq.length}`)
  const byId = Object.fromEntries(results.map((r) => [r.request_id, r]))
  assert.equal(byId.permanent!.status, 'failed')
  assert.equal(byId.permanent!.error!.code, 131026)
  assert.equal(byId.permanent!.error!.class, 'permanent')
  assert.equal(byId.retried!.status, 'accepted')
  assert.equal(byId.retried!.attempts, 3)
  assert.equal(byId.expired!.status, 'expired')
  assert.equal(byId.expired!.attempts, 0)
  assert.equal(byId['good-json']!.status, 'accepted')
  assert.equal(byId['bad-json']!.status, 'failed')
  assert.equal(byId['wrong-key']!.status, 'failed')
  const dlqById = Object.fromEntries(dlq.map((d) => [d.request_id, d]))
  assert.match(dlqById.permanent!.reason, /131026/)
  assert.match(dlqById['bad-json']!.reason, /invalid request: .*text/)
  assert.match(dlqById['wrong-key']!.reason, /record key "9999" must equal phone_number_id "1001"/)
  assert.equal(JSON.parse(dlqById['bad-json']!.original_value.toString()).request_id, 'bad-json')
  assert.equal(sim.accepted().filter((m) => m.bizOpaqueCallbackData === 'retried').length, 1)
  assert.equal(sim.accepted().filter((m) => m.bizOpaqueCallbackData === 'expired').length, 0)
})
