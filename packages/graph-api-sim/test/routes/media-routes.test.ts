import assert from 'node:assert/strict'
import { test } from 'node:test'
import { manualClock, startSim } from '../helpers.ts'

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
