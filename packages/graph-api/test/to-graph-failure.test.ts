import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decideSend, TransportError } from '../src/index.ts'
import { responseFailure, transportFailure } from '../src/to-graph-failure.ts'

const withCode = (code: string): Error => Object.assign(new Error(code), { code })

test('transport errors before the request was written are retry_now, after it ambiguous', () => {
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']) {
    assert.deepEqual(transportFailure(new TransportError('GRAPH_TRANSPORT', withCode(code), false), true).error,
      { message: code, networkCode: code, requestSent: false, class: 'retry_now' })
  }
  for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET']) {
    assert.equal(transportFailure(new TransportError('GRAPH_TRANSPORT', withCode(code), true), true).error.class, 'ambiguous')
  }
})

test('an oversized answer is ambiguous for a send and permanent for anything else', () => {
  const err = new TransportError('RESPONSE_TOO_LARGE', new Error('too large'), true)
  assert.deepEqual([transportFailure(err, true).error.class, transportFailure(err, false).error.class], ['ambiguous', 'permanent'])
  assert.equal(transportFailure(err, true).error.networkCode, 'RESPONSE_TOO_LARGE')
})

test('finds the network code inside AggregateError and cause chains', () => {
  const happyEyeballs = new AggregateError([withCode('ECONNREFUSED'), withCode('ENETUNREACH')], 'connect failed')
  assert.equal(new TransportError('GRAPH_TRANSPORT', happyEyeballs, false).networkCode, 'ECONNREFUSED')
  const wrapped = new Error('fetch failed', { cause: withCode('ENOTFOUND') })
  assert.equal(new TransportError('GRAPH_TRANSPORT', wrapped, false).networkCode, 'ENOTFOUND')
  assert.equal(new TransportError('GRAPH_TRANSPORT', 'weird', false).networkCode, 'UNKNOWN')
})

test('reads every field of Meta\'s error envelope, including the deprecated subcode', () => {
  const body = Buffer.from(JSON.stringify({
    error: { message: '(#130429) Rate limit hit', type: 'OAuthException', code: 130429, error_data: { messaging_product: 'whatsapp', details: 'Cloud API message throughput has been reached.' }, error_subcode: 2494055, fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam' }
  }))
  const f = responseFailure({ statusCode: 429, headers: { 'x-app-usage': '{"call_count":80}' }, body, requestSent: true }, 0)
  assert.deepEqual(f, {
    ok: false,
    error: {
      message: '(#130429) Rate limit hit',
      code: 130429,
      subcode: 2494055,
      type: 'OAuthException',
      details: 'Cloud API message throughput has been reached.',
      fbtraceId: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      httpStatus: 429,
      requestSent: true,
      class: 'retry_now',
      retryAfterMs: 1000
    },
    usage: { appUsage: { callCount: 80, totalCputime: 0, totalTime: 0 }, businessUseCaseUsage: [], maxPercent: 80 }
  })
})

test('a body that is not an envelope is described by its status and takes the trace id header', () => {
  const headers = { 'x-fb-trace-id': 'T1', 'retry-after': '3' }
  const f = responseFailure({ statusCode: 503, headers, body: Buffer.from('upstream down'), requestSent: true }, 0)
  assert.deepEqual(f.error, { message: 'HTTP 503: upstream down', httpStatus: 503, requestSent: true, class: 'ambiguous', fbtraceId: 'T1' })
  // A server that answered before reading the whole request cannot have acted on it.
  const early = responseFailure({ statusCode: 503, headers, body: Buffer.from('upstream down'), requestSent: false }, 0)
  assert.deepEqual([early.error.class, early.error.retryAfterMs], ['retry_now', 3000])
})

test('a retry_later failure carries its replay wait; decideSend on the built error gives the same decision', () => {
  const body = Buffer.from(JSON.stringify({ error: { message: '(#131049) limit', code: 131049 } }))
  const f = responseFailure({ statusCode: 400, headers: {}, body, requestSent: true }, 0)
  assert.deepEqual([f.error.class, f.error.retryAfterMs], ['retry_later', 24 * 3600_000])
  const pair = responseFailure({ statusCode: 400, headers: {}, body: Buffer.from('{"error":{"code":131056}}'), requestSent: true }, 2)
  assert.deepEqual([pair.error.class, pair.error.retryAfterMs], ['retry_now', 16_000])
  const again = decideSend(pair.error)
  assert.deepEqual(again.action === 'retry' && [again.backoff, again.afterMs], ['pair-rate', 16_000])
})
