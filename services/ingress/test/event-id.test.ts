import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bodyEventId, changeEventId, messageEventId, statusEventId } from '../src/event-id.ts'

test('message and status ids come from the wamid; changes and bodies from a SHA-256', () => {
  assert.equal(messageEventId('wamid.A'), 'wamid.A')
  assert.equal(statusEventId('wamid.A', 'read'), 'wamid.A:read')
  assert.equal(changeEventId(['1', undefined, 'account_update', '{}']), changeEventId(['1', '', 'account_update', '{}']))
  assert.notEqual(changeEventId(['1', 2, 'account_update', '{}']), changeEventId(['1', 3, 'account_update', '{}']))
  assert.match(changeEventId(['x']), /^[0-9a-f]{64}$/)
  assert.equal(bodyEventId(Buffer.from('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
})
