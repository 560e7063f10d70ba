import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseMediaInfo, parseSendResponse, parseUploadResponse } from '../src/parse-responses.ts'
import type { GraphResponse } from '../src/graph-transport.ts'

const usage = { businessUseCaseUsage: [], maxPercent: 0 }
const res = (body: unknown): GraphResponse => ({ ok: true, statusCode: 200, headers: {}, body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), usage })

test('reads wamid, wa_id, input and the template pacing status', () => {
  const r = parseSendResponse(res({ messaging_product: 'whatsapp', contacts: [{ input: '16505551234', wa_id: '16505551234' }], messages: [{ id: 'wamid.A', message_status: 'held_for_quality_assessment' }] }), undefined)
  assert.deepEqual(r, { ok: true, kind: 'message', wamid: 'wamid.A', waId: '16505551234', input: '16505551234', httpStatus: 200, usage, messageStatus: 'held_for_quality_assessment' })
})

test('a group send carries group_id; missing contacts leave wa_id empty', () => {
  const r = parseSendResponse(res({ messages: [{ id: 'wamid.G', group_id: 'g1' }] }), undefined)
  assert.equal(r?.kind === 'message' && r.groupId, 'g1')
  assert.equal(r?.kind === 'message' && r.waId, '')
})

test('anything else is not a send response', () => {
  assert.equal(parseSendResponse(res('not json'), undefined), undefined)
  assert.equal(parseSendResponse(res({ messages: [] }), undefined), undefined)
  assert.equal(parseSendResponse(res({ success: false }), 'wamid.R'), undefined)
  assert.deepEqual(parseSendResponse(res({ success: true }), 'wamid.R'), { ok: true, kind: 'read', wamid: 'wamid.R', httpStatus: 200, usage })
})

test('media responses', () => {
  assert.equal(parseUploadResponse(res({ id: '42' }))?.id, '42')
  assert.equal(parseUploadResponse(res({})), undefined)
  const info = parseMediaInfo(res({ messaging_product: 'whatsapp', url: 'https://lookaside.fbsbx.com/x', mime_type: 'image/jpeg', sha256: 'ab', file_size: '303833', id: '42' }))
  assert.deepEqual(info && [info.url, info.mimeType, info.fileSize], ['https://lookaside.fbsbx.com/x', 'image/jpeg', 303833])
  assert.equal(parseMediaInfo(res({ id: '42' })), undefined)
})
