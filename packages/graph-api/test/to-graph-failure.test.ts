import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TransportError } from '../src/index.ts'
import { responseFailure, transportFailure } from '../src/to-graph-failure.ts'

const withCode = (code: string): Error => Object.assign(new Error(code), { code })

test('transport errors before the request was written are retry_now, after it ambiguous', () => {
  for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']) {
    assert.deepEqual(transportFailure(new TransportError('GRAPH_TRANSPORT', withCode(code), false)).error,
      { message: code, networkCode: code, class: 'retry_now' })
  }
  for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET']) {
    assert.equal(transportFailure(new TransportError('GRAPH_TRANSPORT', withCode(code), true)).error.class, 'ambiguous')
  }
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
  const f = responseFailure(429, { 'x-app-usage': '{"call_count":80}' }, body, 0)
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
      class: 'retry_now',
      retryAfterMs: 1000
    },
    usage: { appUsage: { callCount: 80, totalCputime: 0, totalTime: 0 }, businessUseCaseUsage: [], maxPercent: 80 }
  })
})

test('a body that is not an envelope is described by its status and takes the trace id header', () => {
  const f = responseFailure(503, { 'x-fb-trace-id': 'T1', 'retry-after': '3' }, Buffer.from('upstream down'), 0)
  assert.deepEqual(f.error, { message: 'HTTP 503: upstream down', httpStatus: 503, class: 'retry_now', retryAfterMs: 3000, fbtraceId: 'T1' })
})
