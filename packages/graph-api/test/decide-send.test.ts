import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decideSend, pairRateRetryDelayMs, type SendDecision } from '../src/index.ts'

const action = (d: SendDecision): string => d.action === 'fail' ? `fail/${d.replayable ? 'replayable' : 'final'}` : d.action

test('no HTTP answer: never sent is retried, possibly sent is ambiguous', () => {
  for (const networkCode of ['ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']) {
    assert.deepEqual(decideSend({ networkCode, requestSent: false }), { action: 'retry', scope: 'recipient', backoff: 'exponential', reason: `${networkCode} before the request was sent` })
  }
  for (const networkCode of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_ABORTED', 'RESPONSE_TOO_LARGE']) {
    assert.equal(decideSend({ networkCode, requestSent: true }).action, 'ambiguous', networkCode)
  }
  assert.equal(decideSend({ networkCode: 'ECONNRESET' }).action, 'ambiguous', 'unknown whether sent: treated as sent')
  assert.equal(decideSend({}).action, 'ambiguous')
})

test('the caller\'s context overrides what the error says about sending', () => {
  assert.equal(decideSend({ networkCode: 'ECONNREFUSED', requestSent: false }, { sent: true }).action, 'ambiguous')
  assert.equal(decideSend({ httpStatus: 502, requestSent: true }, { sent: false }).action, 'retry')
})

test('502 and 504 after sending are ambiguous whatever the body; before sending they are retried', () => {
  for (const httpStatus of [502, 504]) {
    assert.equal(decideSend({ httpStatus, requestSent: true }).action, 'ambiguous')
    assert.equal(decideSend({ httpStatus, code: 1, requestSent: true }).action, 'ambiguous', 'Meta\'s envelope from a gateway')
    assert.equal(decideSend({ httpStatus, code: 130429, requestSent: true }).action, 'ambiguous')
    assert.equal(decideSend({ httpStatus, requestSent: false }).action, 'retry')
  }
})

test('a 5xx without Meta\'s envelope after sending is ambiguous; with it, it follows the code or is retried', () => {
  for (const httpStatus of [500, 503, 599]) {
    assert.equal(decideSend({ httpStatus, requestSent: true }).action, 'ambiguous', `bare ${httpStatus}`)
    assert.equal(decideSend({ httpStatus, requestSent: false }).action, 'retry', `bare ${httpStatus} before sending`)
    assert.equal(decideSend({ httpStatus, code: 987654, requestSent: true }).action, 'retry', `unlisted code with ${httpStatus}`)
  }
  assert.equal(action(decideSend({ httpStatus: 500, code: 134102, requestSent: true })), 'fail/replayable', '134102 comes with HTTP 500')
  assert.equal(action(decideSend({ httpStatus: 500, code: 131026, requestSent: true })), 'fail/final')
  assert.equal(decideSend({ httpStatus: 503, code: 2, requestSent: true }).action, 'retry')
})

test('a 2xx the client could not read is ambiguous', () => {
  assert.equal(decideSend({ httpStatus: 200, requestSent: true }).action, 'ambiguous')
})

test('codes not in the catalogue fall back on the HTTP status', () => {
  assert.deepEqual(decideSend({ code: 987654, httpStatus: 429 }), { action: 'retry', scope: 'number', backoff: 'exponential', reason: 'unlisted code 987654 with HTTP 429: throttled' })
  assert.equal(decideSend({ httpStatus: 408 }).action, 'retry')
  assert.deepEqual(decideSend({ code: 987654, httpStatus: 400 }), { action: 'fail', operator: false, replayable: false, scope: 'message', reason: 'unlisted code 987654 with HTTP 400' })
  assert.equal(action(decideSend({ httpStatus: 404 })), 'fail/final')
  for (const httpStatus of [301, 401, 403]) {
    const d = decideSend({ httpStatus })
    assert.deepEqual(d.action === 'fail' && [d.operator, d.replayable, d.scope], [true, true, 'app'], `bare ${httpStatus}`)
  }
})

test('131056 waits 4^attempt s, or what the client already computed', () => {
  const wait = (attempt: number, retryAfterMs?: number) => {
    const d = decideSend({ code: 131056, httpStatus: 400, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) }, { attempt })
    return d.action === 'retry' ? [d.scope, d.backoff, d.afterMs] : d.action
  }
  assert.deepEqual([0, 1, 2, 3].map((a) => wait(a)), [1000, 4000, 16_000, 64_000].map((ms) => ['recipient', 'pair-rate', ms]))
  assert.deepEqual(wait(0, 16_000), ['recipient', 'pair-rate', 16_000])
  assert.equal(pairRateRetryDelayMs(-1), 1000)
  assert.equal(pairRateRetryDelayMs(100), 4 ** 8 * 1000)
})

test('Meta\'s Retry-After (in retryAfterMs) overrides the catalogue\'s wait; final failures carry none', () => {
  const d = decideSend({ code: 130429, httpStatus: 429, retryAfterMs: 7000 })
  assert.deepEqual(d.action === 'retry' && [d.scope, d.backoff, d.afterMs], ['number', 'fixed', 7000])
  const e = decideSend({ code: 131000, httpStatus: 500, retryAfterMs: 2000 })
  assert.deepEqual(e.action === 'retry' && [e.backoff, e.afterMs], ['exponential', 2000])
  const f = decideSend({ code: 131049, httpStatus: 400, retryAfterMs: 5000 })
  assert.equal(f.action === 'fail' && f.replayAfterMs, 5000)
  const g = decideSend({ code: 131026, httpStatus: 400, retryAfterMs: 5000 })
  assert.deepEqual(g, { action: 'fail', operator: false, replayable: false, scope: 'recipient', reason: 'message undeliverable (not on WhatsApp, terms of service, old client) (code 131026)' })
})
