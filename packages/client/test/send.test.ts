import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createProducer } from '@wabridge/kafka'
import { uniqueName } from '@wabridge/kafka/testing'
import { createCodec, fingerprintHex, fromOutboundRequestRecord } from '@wabridge/schemas'
import { startFakeRegistry } from '../../schemas/test/helpers/fake-registry.ts'
import { ClientError } from '../src/index.ts'
import { readRecords, resultOf, setup } from './helpers.ts'

const FROM = '106540352242922'

// Each test has its own topics and clients, so they run side by side.
describe('send', { concurrency: true }, () => {
  test('send produces an Avro request the gateway decodes, in the partition the gateway would choose, and returns its id', async (t) => {
    const s = await setup(t)
    const client = s.client({ now: () => Date.parse('2026-12-06T10:00:00Z') })
    const requestId = await client.send({
      phone_number_id: FROM,
      to: '+16505551234',
      message: { type: 'text', text: { body: 'Hello' } },
      expires_at: new Date('2026-12-06T11:00:00Z'),
      metadata: { crm_ticket: 'T-123' }
    })
    assert.match(requestId, /^[0-9a-f-]{36}$/)

    // The gateway's own producer with the same key, for the partition it chooses.
    const gateway = createProducer(s.kafka)
    await gateway.start()
    t.after(() => gateway.stop())
    const [meta] = await gateway.send([{ topic: `${s.prefix}.outbound.requests`, key: FROM, value: 'probe' }])

    const records = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 2)
    const sent = records.find((r) => r.value?.toString() !== 'probe')!
    assert.equal(sent.partition, meta!.partition)
    assert.equal(sent.key, FROM)
    assert.equal(sent.headers['event-id'], requestId)
    assert.equal(sent.headers['content-type'], 'application/vnd.wabridge.outbound-request.v1+avro')
    assert.equal(sent.headers['schema-fingerprint'], fingerprintHex('OutboundRequest'))
    assert.deepEqual([...sent.value!.subarray(0, 2)], [0xc3, 0x01])

    // Byte-compatible: egress's codec reads it, and it passes the gateway's own validation.
    const { value } = s.codec.decode(sent.value!, 'OutboundRequest')
    assert.deepEqual(fromOutboundRequestRecord(value), {
      request_id: requestId,
      phone_number_id: FROM,
      to: '+16505551234',
      message: { type: 'text', text: { body: 'Hello' } },
      expires_at: '2026-12-06T11:00:00.000Z',
      created_at: '2026-12-06T10:00:00.000Z',
      metadata: { crm_ticket: 'T-123' }
    })
  })

  test('a request with send_at over 1 s ahead goes to outbound.scheduled in the partition of its number; one due now goes to outbound.requests', async (t) => {
    const s = await setup(t)
    const now = Date.parse('2026-12-06T10:00:00Z')
    const client = s.client({ now: () => now })
    const message = { type: 'text', text: { body: 'Reminder' } }
    const later = await client.send({ request_id: 'r-later', phone_number_id: FROM, to: '+16505551234', message, send_at: '2026-12-07T09:00:00+01:00', priority: 'bulk' })
    const due = await client.send({ request_id: 'r-due', phone_number_id: FROM, to: '+16505551234', message, send_at: new Date(now + 1000) })
    assert.deepEqual([later, due], ['r-later', 'r-due'])

    const gateway = createProducer(s.kafka)
    await gateway.start()
    t.after(() => gateway.stop())
    const [meta] = await gateway.send([{ topic: `${s.prefix}.outbound.scheduled`, key: FROM, value: 'probe' }])

    const scheduled = (await readRecords(s.kafka, `${s.prefix}.outbound.scheduled`, 2)).find((r) => r.value?.toString() !== 'probe')!
    assert.equal(scheduled.partition, meta!.partition)
    assert.equal(scheduled.key, FROM)
    assert.equal(scheduled.headers['event-id'], 'r-later')
    const { value } = s.codec.decode(scheduled.value!, 'OutboundRequest')
    assert.equal(value.send_at, Date.parse('2026-12-07T08:00:00Z'))
    assert.equal(value.priority, 'bulk')
    assert.deepEqual(fromOutboundRequestRecord(value).send_at, '2026-12-07T08:00:00.000Z')

    const [request] = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 1)
    assert.equal(request!.headers['event-id'], 'r-due')
    assert.equal(s.codec.decode(request!.value!, 'OutboundRequest').value.send_at, now + 1000)
  })

  test('send with wait of a scheduled request resolves with its result, also a cancellation; the timeout counts from send_at', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const message = { type: 'text', text: { body: 'Hi' } }
    const cancelled = uniqueName('req')
    // Due in 10 minutes, waited for 1 ms after that: only the result ends the wait.
    const waiting = client.send({ request_id: cancelled, phone_number_id: FROM, to: '+16505551234', message, send_at: new Date(Date.now() + 600_000) }, { wait: { timeoutMs: 1 } })
    const [scheduled] = await readRecords(s.kafka, `${s.prefix}.outbound.scheduled`, 1)
    assert.equal(scheduled!.headers['event-id'], cancelled)
    await s.writeResult(resultOf(cancelled, FROM, { status: 'cancelled', wamid: null, wa_id: null, attempts: 0, reason: 'cancelled before its send_at' }))
    const result = await waiting
    assert.equal(result.status, 'cancelled')
    assert.equal(result.reason, 'cancelled before its send_at')
  })

  test('with a schema registry the request is in the Confluent wire format under <topic>-value', async (t) => {
    const s = await setup(t)
    const registry = await startFakeRegistry(t)
    const client = s.client({ schemaRegistryUrl: registry.url })
    const requestId = await client.send({ request_id: 'r-confluent', phone_number_id: FROM, to: '16505551234', message: { type: 'text', text: { body: 'Hi' } } })
    assert.equal(requestId, 'r-confluent')
    const [record] = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 1)
    assert.equal(record!.value![0], 0)
    assert.deepEqual(registry.subjects.get(`${s.prefix}.outbound.requests-value`), [record!.value!.readInt32BE(1)])
    const decoded = await createCodec({ registry: registry.url }).deserialize(record!.value!, 'OutboundRequest')
    assert.equal(decoded.value.request_id, 'r-confluent')
    assert.equal(decoded.value.message_json, '{"type":"text","text":{"body":"Hi"}}')
  })

  test('an invalid request is refused with every problem named, and nothing is produced', async (t) => {
    const s = await setup(t)
    const client = s.client()
    await assert.rejects(
      client.send({ phone_number_id: '+1 555 0100', to: 'nobody', message: { type: 'text' } }),
      (err: unknown) => {
        assert.ok(err instanceof ClientError)
        assert.equal(err.code, 'CLIENT_INVALID_REQUEST')
        assert.deepEqual(err.issues.map((i) => i.path).sort(), ['message.text', 'phone_number_id', 'to'])
        assert.match(err.message, /phone_number_id: must be the phone number ID/)
        return true
      })
    await assert.rejects(client.send({ phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'x' } }, expires_at: 'tomorrow' }),
      (err: unknown) => err instanceof ClientError && err.code === 'CLIENT_INVALID_REQUEST' && err.issues[0]?.path === 'expires_at')
    // A valid request afterwards is the first and only record of the topic.
    const id = await client.send({ phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'ok' } } })
    const admin = s.kafka.admin()
    await admin.connect()
    const offsets = await admin.fetchTopicOffsets(`${s.prefix}.outbound.requests`).finally(() => admin.disconnect())
    assert.equal(offsets.reduce((sum, p) => sum + Number(p.high), 0), 1)
    const [record] = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 1)
    assert.equal(record!.headers['event-id'], id)
  })

  test('send with wait resolves with the result written for its request id, not another one', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const requestId = uniqueName('req')
    const sending = client.send({ request_id: requestId, phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'Hi' } } }, { wait: { timeoutMs: 60_000 } })
    // Answer as egress would, once the request is on the topic.
    const [request] = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 1)
    assert.equal(request!.headers['event-id'], requestId)
    await s.writeResult(resultOf('someone-else', FROM, { status: 'failed' }))
    await s.writeResult(resultOf(requestId, FROM, { status: 'accepted', wamid: 'wamid.ONE' }))
    const result = await sending
    assert.equal(result.request_id, requestId)
    assert.equal(result.status, 'accepted')
    assert.equal(result.wamid, 'wamid.ONE')
  })

  test('send with wait: an unknown result is replaced by the settlement that follows it; settle: false takes the unknown', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const settled = uniqueName('req')
    const asIs = uniqueName('req')
    const message = { type: 'text', text: { body: 'Hi' } }
    const waitSettled = client.send({ request_id: settled, phone_number_id: FROM, to: '+16505551234', message }, { wait: { timeoutMs: 60_000 } })
    const waitAsIs = client.send({ request_id: asIs, phone_number_id: FROM, to: '+16505551234', message }, { wait: { timeoutMs: 60_000, settle: false } })
    await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 2)
    const unknown = { status: 'unknown' as const, wamid: null, wa_id: null, reason: 'in doubt after attempt 1 (timeout after sending); it was not sent again' }
    await s.writeResult(resultOf(asIs, FROM, unknown))
    await s.writeResult(resultOf(settled, FROM, unknown))
    assert.equal((await waitAsIs).status, 'unknown')
    await s.writeResult(resultOf(settled, FROM, {
      status: 'accepted',
      wamid: 'wamid.SETTLED',
      settlement: { supersedes_status: 'unknown', supersedes_completed_at: 1_780_000_000_200, evidence: 'status_webhook', status_at: 1_780_000_001_000 }
    }))
    const result = await waitSettled
    assert.equal(result.status, 'accepted')
    assert.equal(result.wamid, 'wamid.SETTLED')
    assert.equal(result.settlement?.evidence, 'status_webhook')
  })

  test('send with wait: no result in time → CLIENT_WAIT_TIMEOUT naming the request (which was produced)', async (t) => {
    const s = await setup(t)
    const client = s.client()
    await assert.rejects(client.send({ request_id: 'never-answered', phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'Hi' } } }, { wait: { timeoutMs: 1000 } }),
      (err: unknown) => err instanceof ClientError && err.code === 'CLIENT_WAIT_TIMEOUT' && err.requestId === 'never-answered')
    const [record] = await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 1)
    assert.equal(record!.headers['event-id'], 'never-answered')
  })

  test('close() rejects a pending wait with CLIENT_CLOSED and refuses later sends', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const waiting = client.send({ phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'Hi' } } }, { wait: true })
    const outcome = waiting.then(() => undefined, (err: unknown) => err)
    await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 1)
    await client.close()
    const err = await outcome
    assert.ok(err instanceof ClientError && err.code === 'CLIENT_CLOSED', String(err))
    await assert.rejects(client.send({ phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'Hi' } } }),
      (err: unknown) => err instanceof ClientError && err.code === 'CLIENT_CLOSED')
  })

  test('two waits for the same request id both get its result; waiting without a results topic fails before anything is sent', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const request = { request_id: uniqueName('req'), phone_number_id: FROM, to: '+16505551234', message: { type: 'text', text: { body: 'Hi' } } }
    const first = client.send(request, { wait: true })
    const second = client.send(request, { wait: true })
    await readRecords(s.kafka, `${s.prefix}.outbound.requests`, 2)
    await s.writeResult(resultOf(request.request_id, FROM, { wamid: 'wamid.BOTH' }))
    assert.deepEqual([(await first).wamid, (await second).wamid], ['wamid.BOTH', 'wamid.BOTH'])

    const noResults = s.client({ topicPrefix: `${s.prefix}-none`, kafka: { retry: { retries: 0 }, logLevel: 0 } })
    await assert.rejects(noResults.send(request, { wait: true }), (err: unknown) => err instanceof ClientError && err.code === 'CLIENT_SEND_FAILED' && /nothing was sent/.test(err.message))
  })
})
