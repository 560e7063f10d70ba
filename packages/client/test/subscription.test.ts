import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { uniqueName, waitFor } from '@wabridge/kafka/testing'
import type { InboundMessage, OutboundResult, RecordInfo } from '../src/index.ts'
import { inboundText, resultOf, setup, statusOf } from './helpers.ts'

const FROM = '106540352242922'

async function committedOffsets (s: Awaited<ReturnType<typeof setup>>, groupId: string, topic: string): Promise<number> {
  const admin = s.kafka.admin()
  await admin.connect()
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] })
    return offsets!.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0)
  } finally {
    await admin.disconnect()
  }
}

// Each test has its own topics and groups, so they run side by side.
describe('subscriptions', { concurrency: true }, () => {
  test('onMessage decodes each message, drops a repeat with the same event id, and commits what it handled', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const seen: Array<{ body: string, record: RecordInfo }> = []
    const groupId = uniqueName('bot')
    const subscription = await client.onMessage(async (message: InboundMessage, record) => {
      seen.push({ body: (JSON.parse(message.message_json) as { text: { body: string } }).text.body, record })
    }, { groupId, fromBeginning: true })
    assert.equal(subscription.groupId, groupId)
    await s.writeMessage(inboundText('wamid.A', 'first'))
    await s.writeMessage(inboundText('wamid.A', 'first, delivered again by Meta'))
    await s.writeMessage(inboundText('wamid.B', 'second'))
    await waitFor(() => seen.length >= 2, 30_000, 'two messages')
    await waitFor(async () => await committedOffsets(s, groupId, `${s.prefix}.inbound.messages`) === 3, 30_000, 'all three offsets committed')
    assert.deepEqual(seen.map((m) => m.body), ['first', 'second'])
    assert.equal(seen[0]!.record.eventId, 'wamid.A')
    assert.equal(seen[0]!.record.key, `${FROM}:16505551234`)
    assert.equal(seen[0]!.record.headers['content-type'], 'application/vnd.wabridge.inbound-message.v1+avro')
  })

  test('a handler that throws is retried, and its record is not committed until it succeeds', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const groupId = uniqueName('bot')
    const errors: unknown[] = []
    let calls = 0
    await client.onMessage(() => {
      calls++
      if (calls < 3) throw new TypeError(`handler bug ${calls}`)
    }, { groupId, fromBeginning: true, retry: { minTimeoutMs: 10, maxTimeoutMs: 50 }, onError: (err) => errors.push(err) })
    await s.writeMessage(inboundText('wamid.C', 'retry me'))
    await waitFor(() => calls >= 3, 30_000, 'the third attempt')
    assert.deepEqual(errors.map((e) => (e as Error).message), ['handler bug 1', 'handler bug 2'])
    await waitFor(async () => await committedOffsets(s, groupId, `${s.prefix}.inbound.messages`) === 1, 30_000, 'the offset committed after success')
    assert.equal(calls, 3)
  })

  test('a record whose handler failed is not committed: the next consumer of the group gets it again', async (t) => {
    const s = await setup(t)
    const groupId = uniqueName('bot')
    const first = s.client()
    let failures = 0
    await first.onMessage(() => {
      failures++
      throw new Error('database down')
    }, { groupId, fromBeginning: true, retry: { minTimeoutMs: 50, maxTimeoutMs: 200 } })
    await s.writeMessage(inboundText('wamid.D', 'handled by the second consumer'))
    await s.writeMessage(inboundText('wamid.E', 'behind the failing one'))
    await waitFor(() => failures >= 2, 30_000, 'two failed attempts')
    await first.close()
    assert.equal(await committedOffsets(s, groupId, `${s.prefix}.inbound.messages`), 0)

    const second = s.client()
    const handled: string[] = []
    await second.onMessage((message) => { handled.push(message.event_id) }, { groupId, fromBeginning: true })
    await waitFor(() => handled.length >= 2, 30_000, 'both records in the restarted consumer')
    assert.deepEqual(handled.sort(), ['wamid.D', 'wamid.E'])
  })

  test('onResult hands over the settlement that follows an unknown result (same event id), and drops a repeated result', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const results: OutboundResult[] = []
    await client.onResult((result) => { results.push(result) }, { groupId: uniqueName('results'), fromBeginning: true })
    const unknown = resultOf('r-1', FROM, { status: 'unknown', wamid: null })
    await s.writeResult(unknown)
    await s.writeResult(unknown)
    await s.writeResult(resultOf('r-1', FROM, {
      status: 'accepted',
      settlement: { supersedes_status: 'unknown', supersedes_completed_at: unknown.completed_at, evidence: 'status_webhook', status_at: 1_780_000_001_000 }
    }))
    await waitFor(() => results.length >= 2, 30_000, 'the unknown result and its settlement')
    assert.deepEqual(results.map((r) => [r.request_id, r.status, r.settlement?.evidence ?? null]), [['r-1', 'unknown', null], ['r-1', 'accepted', 'status_webhook']])
  })

  test('onStatus hands over each status of a message once (sent, delivered) and drops a repeated one', async (t) => {
    const s = await setup(t)
    const client = s.client()
    const statuses: string[] = []
    await client.onStatus((status) => { statuses.push(status.event_id) }, { fromBeginning: true })
    await s.writeStatus(statusOf('wamid.S', 'sent'))
    await s.writeStatus(statusOf('wamid.S', 'sent'))
    await s.writeStatus(statusOf('wamid.S', 'delivered'))
    await waitFor(() => statuses.length >= 2, 30_000, 'two statuses')
    assert.deepEqual(statuses, ['wamid.S:sent', 'wamid.S:delivered'])
  })
})
