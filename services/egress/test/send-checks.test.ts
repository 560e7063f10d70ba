import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CSW_DURATION_MS, type OutboundRequest } from '@wabridge/schemas'
import { createSendChecks, needsWindow, type SendChecksOptions, type WindowState } from '../src/send-checks.ts'

// Unit tests of the decision alone: the window tracker and catalogue are small doubles here (their
// real implementations, against the broker, are exercised in window.test.ts and template-check.test.ts).

const NOW = Date.parse('2026-12-06T12:00:00Z')
const request = (message: object, to = '+15550001111'): OutboundRequest => ({
  request_id: 'r1', phone_number_id: '100', to, message_json: JSON.stringify(message), expires_at: null, metadata: {}, created_at: NOW
})
const text = { type: 'text', text: { body: 'hi' } }

function counters () {
  const counts = { refused: 0, unconfirmed: 0, template: [] as number[] }
  return {
    counts,
    metrics: {
      windowRefused: () => { counts.refused++ },
      windowUnconfirmed: () => { counts.unconfirmed++ },
      templateRefused: (_: string, code: number) => { counts.template.push(code) }
    }
  }
}

/** A window double: `states` answered in turn (the last one repeats); `synced` what sync() resolves to. */
function windowDouble (states: WindowState[], synced = true) {
  const calls = { state: 0, sync: 0 }
  return {
    calls,
    state: () => states[Math.min(calls.state++, states.length - 1)]!,
    sync: async () => { calls.sync++; return synced }
  }
}

function checks (extra: Partial<SendChecksOptions>) {
  const { counts, metrics } = counters()
  const c = createSendChecks({ windowMode: 'enforce', syncMs: 10, templateCheck: 'enforce', wabaOf: (n) => n === '100' ? 'W1' : undefined, clock: () => NOW, metrics, ...extra })
  return { c, counts }
}

const closed: WindowState = { csw: 'closed', cswClosesAt: NOW - 3_600_000, fep: 'closed' }
const never: WindowState = { csw: 'closed', fep: 'closed' }
const open: WindowState = { csw: 'open', cswClosesAt: NOW + 3_600_000, fep: 'open', fepClosesAt: NOW + 7_200_000 }

test('needsWindow: every message but a template; mark-as-read is no message', () => {
  assert.equal(needsWindow(text), true)
  assert.equal(needsWindow({ type: 'reaction', reaction: { message_id: 'x', emoji: 'x' } }), true)
  assert.equal(needsWindow({ type: 'template', template: { name: 'a', language: { code: 'en' } } }), false)
  assert.equal(needsWindow({ status: 'read', message_id: 'wamid.1' }), false)
})

test('an open window sends at once, without waiting for the tracker', async () => {
  const windows = windowDouble([open])
  const { c } = checks({ windows })
  assert.deepEqual(await c.judge(request(text), text), { action: 'send', window: { csw: 'inside', fep: 'inside', type: 'free_form' } })
  assert.equal(windows.calls.sync, 0)
})

test('a closed window is synced and checked again: open after the sync (the bot race) → sent', async () => {
  const windows = windowDouble([closed, open])
  const { c, counts } = checks({ windows })
  const verdict = await c.judge(request(text), text)
  assert.equal(verdict.action, 'send')
  assert.equal(windows.calls.sync, 1)
  assert.equal(counts.refused, 0)
})

test('closed after the sync → refused: 131047, class outside_window, when the customer last wrote and when it closed, no dead letter', async () => {
  const { c, counts } = checks({ windows: windowDouble([closed]) })
  const verdict = await c.judge(request(text), text)
  assert.equal(verdict.action, 'refuse')
  if (verdict.action !== 'refuse') return
  assert.equal(verdict.error.code, 131047)
  assert.equal(verdict.error.class, 'outside_window')
  assert.equal(verdict.deadLetter, undefined)
  assert.match(verdict.error.message, new RegExp(`last wrote to phone number 100 at ${new Date(NOW - 3_600_000 - CSW_DURATION_MS).toISOString()}`))
  assert.match(verdict.error.message, new RegExp(`closed at ${new Date(NOW - 3_600_000).toISOString()}`))
  assert.equal(counts.refused, 1)
})

test('the tracker\'s record names when the customer last wrote (its state gives no times once closed)', async () => {
  const lastAt = NOW - 2 * CSW_DURATION_MS
  const windows = { ...windowDouble([{ csw: 'closed', fep: 'closed' }]), lookup: () => ({ last_inbound_at: lastAt, csw_expires_at: lastAt + CSW_DURATION_MS }) }
  const verdict = await checks({ windows }).c.judge(request(text), text)
  assert.ok(verdict.action === 'refuse')
  assert.match(verdict.error.message, new RegExp(`last wrote to phone number 100 at ${new Date(lastAt).toISOString()}; the window closed at ${new Date(lastAt + CSW_DURATION_MS).toISOString()}`))
})

test('a customer who never wrote is named as such', async () => {
  const { c } = checks({ windows: windowDouble([never]) })
  const verdict = await c.judge(request(text), text)
  assert.ok(verdict.action === 'refuse' && /customer 15550001111 never wrote to phone number 100/.test(verdict.error.message))
})

test('a sync that cannot confirm in time sends anyway and is counted', async () => {
  const { c, counts } = checks({ windows: windowDouble([closed], false) })
  const verdict = await c.judge(request(text), text)
  assert.deepEqual(verdict, { action: 'send', window: { csw: 'unknown', fep: 'unknown', type: 'free_form' } })
  assert.equal(counts.unconfirmed, 1)
  assert.equal(counts.refused, 0)
})

test('warn mode sends and flags the result', async () => {
  const { c, counts } = checks({ windowMode: 'warn', windows: windowDouble([closed]) })
  const verdict = await c.judge(request(text), text)
  assert.equal(verdict.action, 'send')
  assert.ok(verdict.action === 'send' && verdict.flag !== undefined)
  assert.match(verdict.action === 'send' ? verdict.flag! : '', /sent outside the customer service window \(EGRESS_WINDOW_MODE=warn\)/)
  assert.equal(counts.refused, 0)
})

test('off mode, mark-as-read, templates and group messages are never refused for the window', async () => {
  const windows = windowDouble([closed])
  assert.deepEqual(await checks({ windowMode: 'off', windows }).c.judge(request(text), text), { action: 'send' })
  const { c } = checks({ windows })
  assert.deepEqual(await c.judge(request({ status: 'read', message_id: 'wamid.1' }), { status: 'read', message_id: 'wamid.1' }), { action: 'send' })
  const template = { type: 'template', template: { name: 'hello', language: { code: 'en_US' } } }
  assert.deepEqual(await c.judge(request(template), template), { action: 'send', window: { csw: 'outside', fep: 'outside', type: 'template' } })
  const group = { ...text, recipient_type: 'group' }
  assert.deepEqual(await c.judge(request(group, 'group-1'), group), { action: 'send' })
  assert.equal(windows.calls.sync, 0)
})

test('templates: checked only when the number\'s WABA is known and its catalogue holds it; the catalogue\'s refusal → class template_invalid with its code and reason, and a dead letter', async () => {
  const template = { type: 'template', template: { name: 'hello', language: { code: 'en_US' } } }
  const asked: string[] = []
  const templates = {
    hasWaba: (w: string) => w === 'W1',
    check: (w: string, t: Readonly<Record<string, unknown>>) => {
      asked.push(`${w}:${String(t.name)}`)
      return t.name === 'hello' ? { ok: true as const } : { ok: false as const, code: 132000, reason: 'body expects 2 parameters, got 1' }
    }
  }
  const { c, counts } = checks({ templates })
  assert.equal((await c.judge(request(template), template)).action, 'send')
  const bad = { type: 'template', template: { name: 'short', language: { code: 'en_US' } } }
  const refused = await c.judge(request(bad), bad)
  assert.ok(refused.action === 'refuse')
  assert.equal(refused.error.class, 'template_invalid')
  assert.equal(refused.error.code, 132000)
  assert.match(refused.error.message, /expects 2 parameters, got 1/)
  assert.match(refused.deadLetter!, /132000/)
  assert.deepEqual(counts.template, [132000])
  // A number of an unknown WABA, the check off, a catalogue without the WABA: sent, not asked.
  assert.equal((await c.judge({ ...request(bad), phone_number_id: '200' }, bad)).action, 'send')
  assert.equal((await checks({ templateCheck: 'off', templates }).c.judge(request(bad), bad)).action, 'send')
  assert.equal((await checks({ templates: { ...templates, hasWaba: () => false } }).c.judge(request(bad), bad)).action, 'send')
  assert.deepEqual(asked, ['W1:hello', 'W1:short'])
})
