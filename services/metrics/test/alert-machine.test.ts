import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stepAlert, type AlertRule, type AlertStatus } from '../src/alerts/machine.ts'

const rule: AlertRule = { name: 'r', scope: 's', severity: 'warning', fireAt: 90, resolveBelow: 80, forMs: 60_000, message: (v) => `v=${v}` }

function run (values: Array<[number, number]>, r = rule) {
  let state: AlertStatus | undefined
  const out: string[] = []
  for (const [t, v] of values) {
    const step = stepAlert(state, r, v, t)
    state = step.next
    if (step.emit) out.push(`${step.emit.state}@${t}`)
  }
  return out
}

test('fires only after the value stayed at the threshold for the whole window', () => {
  assert.deepStrictEqual(run([[0, 95], [30_000, 95], [59_999, 95], [60_000, 91], [61_000, 99]]), ['firing@60000'])
  // A dip below the threshold restarts the window.
  assert.deepStrictEqual(run([[0, 95], [30_000, 85], [40_000, 95], [90_000, 95], [100_000, 95]]), ['firing@100000'])
})

test('does not flap between the two thresholds and resolves once below the lower one', () => {
  const instant = { ...rule, forMs: 0 }
  assert.deepStrictEqual(run([[0, 90], [1, 85], [2, 91], [3, 80], [4, 79], [5, 70], [6, 85], [7, 90]], instant), ['firing@0', 'resolved@4', 'firing@7'])
})

test('the resolved record carries the firing record\'s id and fired_at', () => {
  const instant = { ...rule, forMs: 0 }
  const fired = stepAlert(undefined, instant, 95, 1000)
  const resolved = stepAlert(fired.next, instant, 10, 5000)
  assert.equal(resolved.next, undefined)
  assert.deepStrictEqual({ ...resolved.emit, message: '' }, { ...fired.emit, state: 'resolved', value: 10, at: 5000, message: '' })
  assert.equal(resolved.emit!.alert_id, 'r:s:1000')
})
