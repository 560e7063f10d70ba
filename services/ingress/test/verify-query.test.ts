import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IngressError } from '../src/errors.ts'
import { redactedQueryOf, REDACTED } from '../src/redact-query.ts'
import { parseVerifyQuery } from '../src/verify-query.ts'

test('parseVerifyQuery reads the three handshake parameters, each optional', () => {
  assert.deepEqual(parseVerifyQuery({ 'hub.mode': 'subscribe', 'hub.verify_token': 't', 'hub.challenge': '1', other: ['a', 'b'] }), { mode: 'subscribe', token: 't', challenge: '1' })
  assert.deepEqual(parseVerifyQuery({}), { mode: undefined, token: undefined, challenge: undefined })
  assert.deepEqual(parseVerifyQuery(undefined), { mode: undefined, token: undefined, challenge: undefined })
})

test('parseVerifyQuery refuses a parameter given twice with INGRESS_QUERY_INVALID (400)', () => {
  for (const name of ['hub.mode', 'hub.verify_token', 'hub.challenge']) {
    assert.throws(() => parseVerifyQuery({ [name]: ['a', 'b'] }), (err: unknown) => {
      assert.ok(err instanceof IngressError)
      assert.equal(err.code, 'INGRESS_QUERY_INVALID')
      assert.equal(err.statusCode, 400)
      assert.equal(err.message, `${name} must be given once`)
      return true
    })
  }
})

test('redactedQueryOf hides every hub.verify_token and keeps the rest', () => {
  assert.equal(redactedQueryOf('/webhook'), undefined)
  assert.equal(redactedQueryOf('/webhook?hub.mode=subscribe&hub.verify_token=s3cret&hub.challenge=42'), `hub.mode=subscribe&hub.challenge=42&hub.verify_token=${REDACTED}`)
  assert.equal(redactedQueryOf('/webhook?hub.verify_token=a&hub.verify_token=b'), `hub.verify_token=${REDACTED}&hub.verify_token=${REDACTED}`)
  assert.equal(redactedQueryOf('/webhook?hub%2Everify_token=s3cret'), `hub.verify_token=${REDACTED}`)
  assert.equal(redactedQueryOf('/webhook?x=1'), 'x=1')
})
