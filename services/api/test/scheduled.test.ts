import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { before, test } from 'node:test'
import { toKafkaHeaders } from '@wabridge/kafka'
import { contentTypeFor, MAX_SEND_AHEAD_MS } from '@wabridge/schemas'
import { buildTestApi, collectTopic, fileCleanup, NUMBER_A1, textRequest, waitFor, WABA_A, type TestApi } from './helpers.ts'

const cleanup = fileCleanup()
let h: TestApi
let key: string
let requests: Awaited<ReturnType<typeof collectTopic>>
let scheduled: Awaited<ReturnType<typeof collectTopic>>
before(async () => {
  h = await buildTestApi(cleanup)
  key = (await h.createKey({ wabas: [WABA_A] })).key
  requests = await collectTopic(cleanup, h.kafka, h.topics.requests)
  scheduled = await collectTopic(cleanup, h.kafka, h.topics.scheduled)
})

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString()
const get = (requestId: string) => h.call('GET', `/v1/messages/${requestId}`, { key })
async function until (requestId: string, state: string) {
  await waitFor(async () => (await get(requestId)).body.state === state, 20_000, `${requestId} to be ${state}`)
  return (await get(requestId)).body
}
/** The records of `requestId` in `seen`, once there are `count`. */
async function recordsOf (seen: typeof requests, requestId: string, count = 1) {
  const mine = () => seen.filter((r) => r.eventId === requestId)
  await waitFor(() => mine().length >= count, 20_000, `${count} record(s) of ${requestId}`)
  return mine()
}
/** Proves both topics were read past any record written before: a request queued now is in the requests topic. */
async function markerWritten (): Promise<void> {
  const marker = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1) })
  await recordsOf(requests, marker.body.request_id)
}

test('a send_at over 1 s ahead is produced to the scheduled topic, keyed by the number, and answered scheduled; GET says scheduled with its send_at and priority', async () => {
  const requestId = randomUUID()
  const sendAt = inAnHour()
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: requestId, send_at: sendAt, priority: 'bulk' }) })
  assert.deepEqual([reply.status, reply.body], [202, { request_id: requestId, state: 'scheduled' }])
  const [record] = await recordsOf(scheduled, requestId)
  assert.equal(record!.key, NUMBER_A1)
  const { value } = h.codec.decode(record!.value!, 'OutboundRequest')
  assert.deepEqual([value.request_id, value.send_at, value.priority], [requestId, Date.parse(sendAt), 'bulk'])
  const state = (await get(requestId)).body
  assert.deepEqual([state.state, state.send_at, state.priority, state.result], ['scheduled', sendAt, 'bulk', null])
  await markerWritten()
  assert.equal(requests.filter((r) => r.eventId === requestId).length, 0)
})

test('the scheduler\'s release (the same value on the requests topic) makes it queued; a cancelled result makes another cancelled', async () => {
  const released = randomUUID()
  const cancelled = randomUUID()
  for (const id of [released, cancelled]) {
    const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: id, send_at: inAnHour() }) })
    assert.equal(reply.body.state, 'scheduled')
  }
  const [record] = await recordsOf(scheduled, released)
  // Released "now" (a test cannot wait an hour): the record's timestamp is what makes it due.
  const raw = h.kafka.producer()
  await raw.connect()
  try {
    await raw.send({ topic: h.topics.requests, messages: [{ key: record!.key!, value: record!.value, headers: { 'event-id': released }, timestamp: String(Date.parse(inAnHour())) }] })
  } finally {
    await raw.disconnect()
  }
  const queued = await until(released, 'queued')
  assert.equal(queued.priority, 'interactive')
  await h.writeResult({ request_id: cancelled, phone_number_id: NUMBER_A1, status: 'cancelled', attempts: 0, reason: 'cancelled by wabridge schedule cancel' })
  const state = await until(cancelled, 'cancelled')
  assert.deepEqual([state.reason, state.error, state.result.status], ['cancelled by wabridge schedule cancel', null, 'cancelled'])
})

test('a request with a future send_at written to the requests topic by another producer is scheduled until its release', async () => {
  const requestId = randomUUID()
  const sendAt = Date.now() + 3_600_000
  const record = { request_id: requestId, phone_number_id: NUMBER_A1, to: '+16505551234', message_json: '{"type":"text","text":{"body":"Hi"}}', expires_at: null, metadata: {}, created_at: null, send_at: sendAt, priority: null }
  const headers = toKafkaHeaders({ eventId: requestId, contentType: contentTypeFor('OutboundRequest') }) as Record<string, string>
  await h.producer.send([{ topic: h.topics.requests, key: NUMBER_A1, value: h.codec.encode('OutboundRequest', record), headers }])
  assert.equal((await until(requestId, 'scheduled')).send_at, new Date(sendAt).toISOString())
})

test('a send_at in the past, or due within 1 s, is queued on the requests topic', async () => {
  const past = randomUUID()
  const anHourAgo = new Date(Date.now() - 3_600_000).toISOString()
  const reply = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: past, send_at: anHourAgo }) })
  assert.deepEqual([reply.status, reply.body], [202, { request_id: past, state: 'queued' }])
  const [record] = await recordsOf(requests, past)
  assert.equal(h.codec.decode(record!.value!, 'OutboundRequest').value.send_at, Date.parse(anHourAgo))
  assert.equal((await get(past)).body.state, 'queued')
  // Due within the 1 s margin: sent now too (egress would not forward it).
  const due = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { send_at: new Date(Date.now() + 500).toISOString() }) })
  assert.equal(due.body.state, 'queued')
  await recordsOf(requests, due.body.request_id)
})

test('repeating a scheduled POST is answered scheduled again without a second record; another send_at with the same id is 409', async () => {
  const requestId = randomUUID()
  const body = textRequest(NUMBER_A1, { request_id: requestId, send_at: inAnHour(), priority: 'bulk' })
  const first = await h.call('POST', '/v1/messages', { key, body })
  const again = await h.call('POST', '/v1/messages', { key, body })
  assert.deepEqual([again.status, again.body, again.headers.get('idempotent-replayed')], [202, first.body, 'true'])
  assert.equal(first.body.state, 'scheduled')
  const other = await h.call('POST', '/v1/messages', { key, body: { ...body, send_at: new Date(Date.now() + 7_200_000).toISOString() } })
  assert.deepEqual([other.status, other.body.error.code], [409, 'API_REQUEST_ID_CONFLICT'])
  const otherPriority = await h.call('POST', '/v1/messages', { key, body: { ...body, priority: 'interactive' } })
  assert.equal(otherPriority.status, 409)
  await markerWritten()
  assert.equal((await recordsOf(scheduled, requestId)).length, 1)
})

test('send_at more than 365 days ahead, not RFC 3339, and an unknown priority are 400 naming the field, and nothing is written', async () => {
  const tooFar = randomUUID()
  const far = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { request_id: tooFar, send_at: new Date(Date.now() + MAX_SEND_AHEAD_MS + 60_000).toISOString() }) })
  assert.equal(far.status, 400)
  assert.equal(far.body.error.code, 'API_INVALID_REQUEST')
  assert.deepEqual(far.body.error.issues, [{ path: 'send_at', message: 'must be at most 365 days ahead' }])
  assert.match(far.body.error.message, /send_at: must be at most 365 days ahead/)
  const notTime = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { send_at: 'tomorrow at 9' }) })
  assert.deepEqual([notTime.status, notTime.body.error.issues.map((i: { path: string }) => i.path)], [400, ['send_at']])
  const urgent = await h.call('POST', '/v1/messages', { key, body: textRequest(NUMBER_A1, { priority: 'urgent' }) })
  assert.deepEqual([urgent.status, urgent.body.error.issues], [400, [{ path: 'priority', message: 'must be "interactive" or "bulk"' }]])
  await markerWritten()
  assert.equal([...requests, ...scheduled].filter((r) => r.eventId === tooFar).length, 0)
})
