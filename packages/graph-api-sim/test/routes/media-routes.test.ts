import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { manualClock, startReceiver, startSim } from '../helpers.ts'

const PNID = '106540352242922'

async function upload (url: string, data: Buffer, type: string, product = 'whatsapp'): Promise<Response> {
  const form = new FormData()
  form.append('messaging_product', product)
  form.append('type', type)
  form.append('file', new Blob([data], { type }), 'f.bin')
  return await fetch(url, { method: 'POST', headers: { authorization: 'Bearer t' }, body: form })
}

test('uploads, describes, serves and deletes media; URLs expire after 5 minutes', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now })
  const data = Buffer.from('%PDF-1.4 fake document')
  const up = await upload(`${sim.url}/v23.0/${PNID}/media`, data, 'application/pdf')
  assert.equal(up.status, 200)
  const { id } = await up.json() as { id: string }
  assert.match(id, /^\d{16,17}$/)

  const info = await (await fetch(`${sim.url}/v23.0/${id}?phone_number_id=${PNID}`, { headers: { authorization: 'Bearer t' } })).json() as Record<string, unknown>
  assert.deepEqual(Object.keys(info).sort(), ['file_size', 'id', 'messaging_product', 'mime_type', 'sha256', 'url'])
  assert.equal(info.file_size, data.length)
  assert.equal(info.mime_type, 'application/pdf')

  const url = info.url as string
  assert.equal((await fetch(url)).status, 401, 'the download needs the bearer token')
  const down = await fetch(url, { headers: { authorization: 'Bearer t' } })
  assert.equal(down.status, 200)
  assert.deepEqual(Buffer.from(await down.arrayBuffer()), data)
  assert.equal((await fetch(url.replace(/hash=\w+/, 'hash=00'), { headers: { authorization: 'Bearer t' } })).status, 404)
  clock.advance(5 * 60_000 + 1000)
  assert.equal((await fetch(url, { headers: { authorization: 'Bearer t' } })).status, 404, 'expired URL')

  const wrongNumber = await fetch(`${sim.url}/v23.0/${id}?phone_number_id=999`, { headers: { authorization: 'Bearer t' } })
  assert.equal(wrongNumber.status, 400)
  assert.equal((await fetch(`${sim.url}/v23.0/${id}`, { method: 'DELETE', headers: { authorization: 'Bearer t' } })).status, 200)
  assert.equal((await fetch(`${sim.url}/v23.0/${id}`, { headers: { authorization: 'Bearer t' } })).status, 400)
})

test('refuses uploads that are too large for their type, not multipart, or without messaging_product', async (t) => {
  const sim = await startSim(t)
  const url = `${sim.url}/v23.0/${PNID}/media`
  const big = await upload(url, Buffer.alloc(5 * 1024 * 1024 + 1), 'image/jpeg')
  assert.equal(((await big.json()) as { error: { code: number } }).error.code, 131053)
  const wrong = await upload(url, Buffer.from('x'), 'image/jpeg', 'sms')
  assert.equal(((await wrong.json()) as { error: { code: number } }).error.code, 100)
  const json = await fetch(url, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{}' })
  assert.equal(((await json.json()) as { error: { code: number } }).error.code, 100)
  const noToken = await fetch(url, { method: 'POST', body: new FormData() })
  assert.equal(noToken.status, 401)
})

test('download URLs expire after mediaUrlTtlMs', async (t) => {
  const clock = manualClock()
  const sim = await startSim(t, { now: clock.now, mediaUrlTtlMs: 1000 })
  const up = await upload(`${sim.url}/v23.0/${PNID}/media`, Buffer.from('abc'), 'image/png')
  const { id } = await up.json() as { id: string }
  const info = await (await fetch(`${sim.url}/v23.0/${id}`, { headers: { authorization: 'Bearer t' } })).json() as { url: string }
  clock.advance(999)
  assert.equal((await fetch(info.url, { headers: { authorization: 'Bearer t' } })).status, 200)
  clock.advance(1)
  assert.equal((await fetch(info.url, { headers: { authorization: 'Bearer t' } })).status, 404)
})

test('an inbound media message: stored bytes, a signed webhook with id, mime_type, sha256 (base64) and url', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: 's', webhook: { batchMs: 1 } })
  const data = Buffer.from('%PDF-1.4 a customer document')
  const res = await fetch(`${sim.url}/_sim/inbound/media`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phoneNumberId: PNID, from: '+15550001111', type: 'document', mimeType: 'application/pdf', data: data.toString('base64'), filename: 'invoice.pdf', caption: 'here' })
  })
  assert.equal(res.status, 200)
  const out = await res.json() as { mediaId: string, wamid: string, sha256: string, size: number }
  const hex = createHash('sha256').update(data).digest('hex')
  assert.equal(out.sha256, hex)
  assert.equal(out.size, data.length)
  while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const value = receiver.received[0]?.json.entry[0]?.changes[0]?.value as { messages: Array<Record<string, any>> }
  const message = value.messages[0] as { id: string, type: string, document: Record<string, string> }
  assert.equal(message.id, out.wamid)
  assert.equal(message.type, 'document')
  assert.equal(message.document.id, out.mediaId)
  assert.equal(message.document.mime_type, 'application/pdf')
  assert.equal(message.document.filename, 'invoice.pdf')
  assert.equal(Buffer.from(message.document.sha256 as string, 'base64').toString('hex'), hex)
  const down = await fetch(message.document.url as string, { headers: { authorization: 'Bearer t' } })
  assert.deepEqual(Buffer.from(await down.arrayBuffer()), data)
  const info = await (await fetch(`${sim.url}/v23.0/${out.mediaId}`, { headers: { authorization: 'Bearer t' } })).json() as { sha256: string, file_size: number }
  assert.equal(info.sha256, hex)
  assert.equal(info.file_size, data.length)
})

test('inbound media options: generated bytes over the limit, a reported hash, a broken link, another URL host', async (t) => {
  const sim = await startSim(t)
  const post = async (body: Record<string, unknown>): Promise<Response> => await fetch(`${sim.url}/_sim/inbound/media`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phoneNumberId: PNID, from: '15550001111', type: 'image', mimeType: 'image/jpeg', ...body })
  })
  const big = await (await post({ size: 5 * 1024 * 1024 + 1 })).json() as { mediaId: string, size: number }
  assert.equal(big.size, 5 * 1024 * 1024 + 1)
  const wrong = 'ab'.repeat(32)
  const lying = await (await post({ size: 10, sha256: wrong, brokenLink: true, urlBase: 'http://localhost:1' })).json() as { mediaId: string, sha256: string }
  assert.notEqual(lying.sha256, wrong)
  const info = await (await fetch(`${sim.url}/v23.0/${lying.mediaId}`, { headers: { authorization: 'Bearer t' } })).json() as { sha256: string, url: string }
  assert.equal(info.sha256, wrong)
  assert.match(info.url, /^http:\/\/localhost:1\/whatsapp_business\/attachments\//)
  const local = info.url.replace('http://localhost:1', sim.url)
  assert.equal((await fetch(local, { headers: { authorization: 'Bearer t' } })).status, 404, 'a broken link never downloads')
  assert.equal((await post({})).status, 400, 'data or size is required')
})
