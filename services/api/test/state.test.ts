import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { buildTestApi, fileCleanup, NUMBER_A1, NUMBER_B1, textRequest, waitFor, WABA_A, type TestApi } from './helpers.ts'

const cleanup = fileCleanup()
let h: TestApi
let key: string
before(async () => {
  h = await buildTestApi(cleanup)
  key = (await h.createKey({ wabas: [WABA_A] })).key
})

const get = (requestId: string) => h.call('GET', `/v1/messages/${requestId}`, { key })
async function until (requestId: string, state: string) {
  await waitFor(async () => (await get(requestId)).body.state === state, 20_000, `${requestId} to be ${state}`)
  return (await get(requestId)).body
}
async function queue (): Promise<string> {
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  assert.equal(reply.status, 202)
  return reply.body.request_id
}

test('queued → accepted → sent → delivered → read, from the result and the status webhooks; a delivered after read does not go back', async () => {
  const id = await queue()
  const queued = (await get(id)).body
  assert.equal(queued.state, 'queued')
  assert.equal(queued.result, null)
  assert.ok(Date.parse(queued.queued_at) > 0)
  await h.writeResult({ request_id: id, phone_number_id: NUMBER_A1, status: 'accepted', wamid: 'wamid.A', attempts: 1 })
  const accepted = await until(id, 'accepted')
  assert.equal(accepted.wamid, 'wamid.A')
  assert.equal(accepted.result.status, 'accepted')
  await h.writeStatus({ biz_opaque_callback_data: id, phone_number_id: NUMBER_A1, status: 'sent' })
  await until(id, 'sent')
  await h.writeStatus({ biz_opaque_callback_data: id, phone_number_id: NUMBER_A1, status: 'read' }, { withHeaders: false })
  await h.writeStatus({ biz_opaque_callback_data: id, phone_number_id: NUMBER_A1, status: 'delivered' })
  const read = await until(id, 'read')
  assert.equal(read.webhook.status, 'read')
  assert.equal(read.reason, null)
})

test('a failed result is failed with its reason and Meta\'s error; an expired one is failed, saying so', async () => {
  const id = await queue()
  await h.writeResult({
    request_id: id,
    phone_number_id: NUMBER_A1,
    status: 'failed',
    attempts: 1,
    error: { code: 131026, subcode: null, message: 'Message undeliverable', details: 'not on WhatsApp', class: 'permanent', fbtrace_id: null }
  })
  const failed = await until(id, 'failed')
  assert.equal(failed.reason, 'Message undeliverable')
  assert.deepEqual(failed.error, { code: 131026, message: 'Message undeliverable', details: 'not on WhatsApp' })
  const late = await queue()
  await h.writeResult({ request_id: late, phone_number_id: NUMBER_A1, status: 'expired', reason: 'expired before it could be sent' })
  assert.equal((await until(late, 'failed')).reason, 'expired: expired before it could be sent')
})

test('a bulk request refused by the suppression list is failed, saying suppressed, with the error egress gave', async () => {
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { priority: 'bulk' }) })
  const id = reply.body.request_id as string
  await h.writeResult({
    request_id: id,
    phone_number_id: NUMBER_A1,
    status: 'failed',
    attempts: 0,
    error: { code: 131050, subcode: null, message: 'recipient opted out (keyword STOP)', details: null, class: 'suppressed', fbtrace_id: null }
  })
  const failed = await until(id, 'failed')
  assert.deepEqual([failed.reason, failed.error, failed.priority, failed.result.attempts], [
    'suppressed: recipient opted out (keyword STOP)', { code: 131050, message: 'recipient opted out (keyword STOP)', details: null }, 'bulk', 0
  ])
})

test('an unknown result stays unknown until a settlement or a status decides it', async () => {
  const id = await queue()
  const unknownAt = Date.now()
  await h.writeResult({ request_id: id, phone_number_id: NUMBER_A1, status: 'unknown', reason: 'in doubt after attempt 1 (timeout after sending)', completed_at: unknownAt })
  assert.equal((await until(id, 'unknown')).reason, 'in doubt after attempt 1 (timeout after sending)')
  await h.writeResult({
    request_id: id,
    phone_number_id: NUMBER_A1,
    status: 'failed',
    completed_at: unknownAt + 1000,
    error: { code: 131049, subcode: null, message: 'Not delivered to maintain healthy ecosystem engagement', details: null, class: 'permanent', fbtrace_id: null },
    settlement: { supersedes_status: 'unknown', supersedes_completed_at: unknownAt, evidence: 'status_webhook', status_at: unknownAt + 500 }
  })
  const settled = await until(id, 'failed')
  assert.equal(settled.result.settled, true)
  assert.equal(settled.error.code, 131049)

  const other = await queue()
  await h.writeResult({ request_id: other, phone_number_id: NUMBER_A1, status: 'unknown', reason: 'in doubt' })
  await until(other, 'unknown')
  await h.writeStatus({ biz_opaque_callback_data: other, phone_number_id: NUMBER_A1, status: 'delivered' })
  await until(other, 'delivered')
})

test('a failed status after Meta accepted it is failed with Meta\'s error from the status', async () => {
  const id = await queue()
  await h.writeResult({ request_id: id, phone_number_id: NUMBER_A1, status: 'accepted', wamid: 'wamid.F' })
  await until(id, 'accepted')
  await h.writeStatus({
    biz_opaque_callback_data: id,
    phone_number_id: NUMBER_A1,
    status: 'failed',
    error_codes: [131047],
    status_json: JSON.stringify({ errors: [{ code: 131047, title: 'Re-engagement message', error_data: { details: 'more than 24 hours' } }] })
  })
  const failed = await until(id, 'failed')
  assert.deepEqual(failed.error, { code: 131047, message: 'Re-engagement message', details: 'more than 24 hours' })
})

test('a status webhook or result for a request another producer wrote is known too, scoped by its number', async () => {
  const foreign = randomUUID()
  await h.writeStatus({ biz_opaque_callback_data: foreign, phone_number_id: NUMBER_A1, status: 'sent' })
  assert.equal((await until(foreign, 'sent')).phone_number_id, NUMBER_A1)
  const otherTenant = randomUUID()
  await h.writeResult({ request_id: otherTenant, phone_number_id: NUMBER_B1, status: 'accepted' })
  const { key: keyB } = await h.createKey({ numbers: [NUMBER_B1] })
  await waitFor(async () => (await h.call('GET', `/v1/messages/${otherTenant}`, { key: keyB })).status === 200, 20_000, 'the result of B1')
  assert.equal((await get(otherTenant)).status, 404)
})
