import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { NotificationLogEntry } from '@wabridge/schemas'
import { decideFlush } from '../src/index.ts'
import { alert, resolvedOf } from './helpers.ts'

const HOUR = 3_600_000
const options = (silenced: string[] = []) => ({ repeatIntervalMs: HOUR, isSilenced: (a: { alert_id: string }) => silenced.includes(a.alert_id) })
const entry = (sentAt: number, alerts: NotificationLogEntry['alerts']): NotificationLogEntry => ({ receiver: 'r', group_key: 'g', sent_at: sentAt, alerts })

test('new firing alerts are sent; the same set again is not, until the repeat interval', () => {
  const a = alert()
  const b = alert()
  const first = decideFlush([a, b], undefined, 0, options())
  assert.equal(first.shouldSend, true)
  assert.deepEqual(first.notified, [{ alert_id: a.alert_id, state: 'firing' }, { alert_id: b.alert_id, state: 'firing' }])
  const log = entry(1000, first.notified)
  assert.equal(decideFlush([a, b], log, 1000 + HOUR - 1, options()).shouldSend, false)
  assert.equal(decideFlush([a, b], log, 1000 + HOUR, options()).shouldSend, true)
  assert.equal(decideFlush([a, b, alert()], log, 2000, options()).shouldSend, true, 'one more alert in the group')
})

test('a resolved alert is announced only when the receiver was told it fired', () => {
  const a = alert()
  const told = decideFlush([resolvedOf(a)], entry(0, [{ alert_id: a.alert_id, state: 'firing' }]), 10, options())
  assert.equal(told.shouldSend, true)
  assert.deepEqual(told.resolved.map((x) => x.alert_id), [a.alert_id])
  assert.deepEqual(told.notified, [{ alert_id: a.alert_id, state: 'resolved' }])
  const never = decideFlush([resolvedOf(a)], undefined, 10, options())
  assert.equal(never.shouldSend, false)
  assert.deepEqual(never.forget, [a.alert_id])
})

test('a firing record of an alert the receiver was told resolved is stale and forgotten', () => {
  const a = alert()
  const d = decideFlush([a], entry(0, [{ alert_id: a.alert_id, state: 'resolved' }]), 10, options())
  assert.equal(d.shouldSend, false)
  assert.deepEqual(d.forget, [a.alert_id])
})

test('silenced alerts are not sent; one the receiver knew stays known as firing so its resolution is announced', () => {
  const a = alert()
  const b = alert()
  assert.equal(decideFlush([a], undefined, 0, options([a.alert_id])).shouldSend, false)
  const d = decideFlush([a, b], entry(0, [{ alert_id: a.alert_id, state: 'firing' }]), 10, options([a.alert_id]))
  assert.equal(d.shouldSend, true)
  assert.deepEqual(d.firing.map((x) => x.alert_id), [b.alert_id])
  assert.deepEqual(d.notified, [{ alert_id: b.alert_id, state: 'firing' }, { alert_id: a.alert_id, state: 'firing' }])
})
