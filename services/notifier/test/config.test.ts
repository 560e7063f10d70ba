import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadConfig } from '../src/index.ts'

test('defaults: 127.0.0.1:8084, topics and group from the prefix', () => {
  const c = loadConfig({ TOPIC_PREFIX: 'gw' })
  assert.equal(c.NOTIFIER_PORT, 8084)
  assert.equal(c.NOTIFIER_HOST, '127.0.0.1')
  assert.equal(c.NOTIFIER_GROUP_ID, 'gw.notifier')
  assert.equal(c.NOTIFIER_SILENCES_TOPIC, 'gw.notifier.silences')
  assert.equal(c.NOTIFIER_LOG_TOPIC, 'gw.notifier.log')
  assert.deepEqual(c.NOTIFIER_GROUP_BY, ['name'])
})

test('an SMTP shortcut needs recipients; the retry bounds must be ordered', () => {
  assert.throws(() => loadConfig({ NOTIFIER_SMTP_URL: 'smtp://127.0.0.1:25' }), /NOTIFIER_EMAIL_TO/)
  assert.throws(() => loadConfig({ NOTIFIER_RETRY_MIN_MS: '5000', NOTIFIER_RETRY_MAX_MS: '10' }), /NOTIFIER_RETRY_MAX_MS/)
})
