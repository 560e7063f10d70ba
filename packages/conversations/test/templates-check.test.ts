import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { TemplateEntry } from '@wabridge/schemas'
import { applyTemplateWebhook, checkTemplateSend, parseTemplateWebhook, planSync, templateAlert } from '../src/templates/index.ts'

const WABA = '102290129340398'
const AT = Date.parse('2026-12-06T10:00:00Z')

function entry (o: Partial<TemplateEntry> = {}): TemplateEntry {
  return {
    waba_id: WABA,
    name: 'order_update',
    language: 'en_US',
    template_id: '111',
    status: 'APPROVED',
    category: 'UTILITY',
    sub_category: null,
    parameter_format: 'POSITIONAL',
    components_json: JSON.stringify([
      { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
      { type: 'BODY', text: 'Hi {{1}}, your order {{2}} ships on {{3}}. Total {{2}}.' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop' }, { type: 'URL', text: 'Track', url: 'https://example.com/t/{{1}}' }] }
    ]),
    quality_score: null,
    reason: null,
    status_changed_at: AT,
    synced_at: AT,
    source: 'sync',
    updated_at: AT,
    ...o
  }
}

const text = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'text', text: `p${i}` }))
const send = (body: number, header = 1, url = 1, quickReply = true) => ({
  name: 'order_update',
  language: { code: 'en_US' },
  components: [
    { type: 'header', parameters: text(header) },
    { type: 'body', parameters: text(body) },
    ...(quickReply ? [{ type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'stop' }] }] : []),
    { type: 'button', sub_type: 'url', index: '1', parameters: text(url) }
  ]
})

test('a send with every parameter the definition declares passes (quick reply payloads are not counted)', () => {
  assert.deepEqual(checkTemplateSend(entry(), send(3)), { ok: true })
  assert.deepEqual(checkTemplateSend(entry(), send(3, 1, 1, false)), { ok: true })
})

test('a missing body parameter is refused with 132000 and the counts in the reason', () => {
  const verdict = checkTemplateSend(entry(), send(2))
  assert.equal(verdict.ok, false)
  assert.ok(!verdict.ok)
  assert.equal(verdict.code, 132000)
  assert.match(verdict.reason, /body needs 3 parameters, got 2/)
})

test('header and URL button counts are checked too, and every problem is named', () => {
  const verdict = checkTemplateSend(entry(), send(3, 0, 0))
  assert.ok(!verdict.ok)
  assert.equal(verdict.code, 132000)
  assert.match(verdict.reason, /header needs 1 parameter, got 0/)
  assert.match(verdict.reason, /button 1 needs 1 parameter, got 0/)
  const none = checkTemplateSend(entry(), { name: 'order_update', language: { code: 'en_US' } })
  assert.ok(!none.ok)
  assert.match(none.reason, /body needs 3 parameters, got 0/)
})

test('parameters given to a body without placeholders are refused; a LOCATION header is not counted', () => {
  const plain = entry({ components_json: JSON.stringify([{ type: 'HEADER', format: 'LOCATION' }, { type: 'BODY', text: 'Hello' }]) })
  assert.deepEqual(checkTemplateSend(plain, { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'header', parameters: [{ type: 'location' }] }] }), { ok: true })
  const verdict = checkTemplateSend(plain, { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: text(1) }] })
  assert.ok(!verdict.ok)
  assert.match(verdict.reason, /body needs 0 parameters, got 1/)
})

test('unknown in that language: 132001 naming the languages known', () => {
  const verdict = checkTemplateSend(undefined, { name: 'order_update', language: { code: 'pt-BR' } }, { knownLanguages: ['it', 'en_US'] })
  assert.deepEqual(verdict, { ok: false, code: 132001, reason: 'template order_update does not exist in pt_BR (languages known: en_US, it)' })
})

test('not APPROVED: 132001, PAUSED 132015, DISABLED 132016, naming the status and since when', () => {
  const pending = checkTemplateSend(entry({ status: 'PENDING' }), send(3))
  assert.ok(!pending.ok)
  assert.equal(pending.code, 132001)
  assert.match(pending.reason, /is PENDING since 2026-12-06T10:00:00.000Z/)
  const paused = checkTemplateSend(entry({ status: 'PAUSED', reason: 'FIRST_PAUSE' }), send(3))
  assert.ok(!paused.ok)
  assert.equal(paused.code, 132015)
  assert.match(paused.reason, /PAUSED.*FIRST_PAUSE/)
  const disabled = checkTemplateSend(entry({ status: 'DISABLED' }), send(3))
  assert.ok(!disabled.ok)
  assert.equal(disabled.code, 132016)
})

test('components unknown (first seen in a webhook): the parameters are not checked', () => {
  assert.deepEqual(checkTemplateSend(entry({ components_json: null }), send(0)), { ok: true })
})

const statusEvent = (value: Record<string, unknown>) => ({ field: 'message_template_status_update', waba_id: WABA, value_json: JSON.stringify(value) })

test('status webhooks: events map to statuses, REINSTATED and unpause to APPROVED, FLAGGED keeps the status and records the quality', () => {
  const base = { message_template_id: 111, message_template_name: 'order_update', message_template_language: 'en-US' }
  const paused = parseTemplateWebhook(statusEvent({ ...base, event: 'PAUSED', reason: 'NONE', other_info: { title: 'FIRST_PAUSE', description: 'x' } }))
  assert.equal(paused?.status, 'PAUSED')
  assert.equal(paused?.reason, 'FIRST_PAUSE')
  assert.equal(paused?.language, 'en_US')
  const current = entry()
  const next = applyTemplateWebhook(current, paused!, AT + 1000, AT + 500)
  assert.equal(next?.status, 'PAUSED')
  assert.equal(next?.status_changed_at, AT + 500)
  assert.equal(next?.reason, 'FIRST_PAUSE')
  assert.equal(next?.source, 'message_template_status_update')
  assert.equal(next?.components_json, current.components_json)
  assert.equal(parseTemplateWebhook(statusEvent({ ...base, event: 'REINSTATED' }))?.status, 'APPROVED')
  assert.equal(parseTemplateWebhook(statusEvent({ ...base, event: 'APPROVED', other_info: { title: 'UNPAUSE' } }))?.status, 'APPROVED')
  const flagged = parseTemplateWebhook(statusEvent({ ...base, event: 'FLAGGED' }))
  assert.equal(flagged?.status, undefined)
  const afterFlag = applyTemplateWebhook(current, flagged!, AT + 1000)
  assert.equal(afterFlag?.status, 'APPROVED')
  assert.equal(afterFlag?.quality_score, 'RED')
  // The same webhook again changes nothing.
  assert.equal(applyTemplateWebhook(next, paused!, AT + 2000, AT + 500), undefined)
})

test('quality and category webhooks: only the completed category change applies', () => {
  const base = { message_template_id: 111, message_template_name: 'order_update', message_template_language: 'en_US' }
  const q = parseTemplateWebhook({ field: 'message_template_quality_update', waba_id: WABA, value_json: JSON.stringify({ ...base, previous_quality_score: 'GREEN', new_quality_score: 'YELLOW' }) })
  assert.equal(applyTemplateWebhook(entry(), q!, AT)?.quality_score, 'YELLOW')
  const impending = parseTemplateWebhook({ field: 'template_category_update', waba_id: WABA, value_json: JSON.stringify({ ...base, new_category: 'UTILITY', correct_category: 'MARKETING', category_update_timestamp: 1 }) })
  assert.equal(impending, undefined)
  const done = parseTemplateWebhook({ field: 'template_category_update', waba_id: WABA, value_json: JSON.stringify({ ...base, previous_category: 'UTILITY', new_category: 'MARKETING' }) })
  assert.equal(applyTemplateWebhook(entry(), done!, AT)?.category, 'MARKETING')
  assert.equal(parseTemplateWebhook({ field: 'account_update', waba_id: WABA, value_json: '{}' }), undefined)
})

test('a webhook for a template the catalogue does not know creates an entry without components', () => {
  const change = parseTemplateWebhook(statusEvent({ message_template_id: 5, message_template_name: 'new_one', message_template_language: 'it', event: 'PENDING', message_template_category: 'MARKETING' }))
  const created = applyTemplateWebhook(undefined, change!, AT)
  assert.equal(created?.status, 'PENDING')
  assert.equal(created?.components_json, null)
  assert.equal(created?.category, 'MARKETING')
  assert.equal(created?.template_id, '5')
})

test('planSync writes only what changed and tombstones what is no longer listed', () => {
  const listedTemplate = { id: '111', name: 'order_update', language: 'en_US', status: 'APPROVED', category: 'UTILITY', parameterFormat: 'POSITIONAL', components: JSON.parse(entry().components_json!) as never }
  const current = new Map([[`${WABA}:order_update:en_US`, entry()], [`${WABA}:gone:en_US`, entry({ name: 'gone' })]])
  const plan = planSync(WABA, [listedTemplate], current, AT + 60_000)
  assert.equal(plan.writes.length, 0)
  assert.equal(plan.unchanged, 1)
  assert.deepEqual(plan.tombstones.map((t) => t.key), [`${WABA}:gone:en_US`])
  const paused = planSync(WABA, [{ ...listedTemplate, status: 'PAUSED' }], current, AT + 60_000)
  assert.equal(paused.writes[0]?.entry.status, 'PAUSED')
  assert.equal(paused.writes[0]?.entry.status_changed_at, AT + 60_000)
})

test('templateAlert fires once on PAUSED or DISABLED and resolves on the way back', () => {
  const paused = entry({ status: 'PAUSED', status_changed_at: AT + 5, reason: 'FIRST_PAUSE' })
  const firing = templateAlert(paused, entry(), AT + 10)
  assert.equal(firing?.name, 'template_paused')
  assert.equal(firing?.state, 'firing')
  assert.equal(firing?.scope, `waba:${WABA}:order_update:en_US`)
  assert.match(firing?.message ?? '', /FIRST_PAUSE/)
  assert.equal(templateAlert(paused, paused, AT + 20), undefined)
  assert.equal(templateAlert(entry({ status: 'DISABLED' }), paused, AT + 30)?.name, 'template_disabled')
  const resolved = templateAlert(entry({ status_changed_at: AT + 40 }), paused, AT + 40)
  assert.equal(resolved?.state, 'resolved')
  assert.equal(resolved?.alert_id, firing?.alert_id)
})
