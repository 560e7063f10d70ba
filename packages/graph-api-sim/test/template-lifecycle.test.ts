// The webhooks of each test are delivered one at a time (concurrency 1), so that they arrive in the order the
// simulator sent them: with several in flight, as by default and at Meta, a busy machine can reorder them.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { loadSimConfig, toSimOptions } from '../src/env.ts'
import { post, startReceiver, startSim, type ReceivedWebhook } from './helpers.ts'

const PNID = '106540352242922'
const WABA = 'W1'
const SECRET = 'sim-app-secret'
const ADMIN = 'admin'

/** The WABA-level changes of one field received so far, as [entry id, value]. */
function changes (received: ReceivedWebhook[], field: string): Array<[string, Record<string, unknown>]> {
  return received.flatMap((w) => w.json.entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => [e.id, c.value] as [string, Record<string, unknown>])))
}

async function waitFor<T> (what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = probe()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

function control (base: string) {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }
  return async (path: string, body: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(`${base}/_sim${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json() }
  }
}

test('POST /_sim/templates/:id/status sends message_template_status_update in Meta\'s shape: pause, unpause, second pause, disable, reject; sends follow the status', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, webhook: { batchMs: 5, concurrency: 1 }, phoneNumbers: { [PNID]: { wabaId: WABA } }, pairRate: false, adminToken: ADMIN })
  const ctl = control(sim.url)
  const created = await ctl('/templates', { wabaId: WABA, name: 'order_update', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Your order {{1}} is on its way' }] })
  assert.equal(created.status, 200)
  const id = created.body.id as string
  const send = () => post(`${sim.url}/v23.0/${PNID}/messages`, {
    messaging_product: 'whatsapp',
    to: '+4915110000001',
    type: 'template',
    template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'A-1' }] }] }
  })
  assert.equal((await send()).status, 200)

  const paused = await ctl(`/templates/${id}/status`, { status: 'PAUSED' })
  assert.equal(paused.status, 200)
  assert.equal(paused.body.status, 'PAUSED')
  assert.equal((await send()).body.error.code, 132015)
  assert.equal((await ctl(`/templates/${id}/status`, { status: 'APPROVED' })).status, 200)
  assert.equal((await send()).status, 200, 'unpaused')
  await ctl(`/templates/${id}/status`, { status: 'PAUSED', description: 'Low quality, again.' })
  const disabled = await ctl(`/templates/${id}/status`, { status: 'DISABLED' })
  assert.equal(disabled.body.status, 'DISABLED')
  const disabledAt = Math.floor(Date.now() / 1000)
  assert.equal((await send()).body.error.code, 132016)
  await ctl(`/templates/${id}/status`, { status: 'REJECTED', reason: 'INCORRECT_CATEGORY' })
  await ctl(`/templates/${id}/status`, { status: 'PENDING_DELETION', reason: null })

  assert.equal(await sim.webhooksIdle(10_000), true)
  for (const w of receiver.received) assert.deepEqual(verifyWebhookSignature(w.raw, w.signature, [SECRET]), { ok: true, secretIndex: 0 })
  const updates = changes(receiver.received, 'message_template_status_update')
  assert.ok(updates.every(([waba]) => waba === WABA), 'to the template\'s WABA')
  const values = updates.map(([, v]) => v)
  const base = { message_template_id: Number(id), message_template_name: 'order_update', message_template_language: 'en-US', message_template_category: 'UTILITY' }
  assert.equal(typeof values[0]?.message_template_id, 'number', 'an integer id')
  assert.deepEqual(values.slice(0, 3), [
    { event: 'PAUSED', ...base, reason: 'NONE', other_info: { title: 'FIRST_PAUSE', description: 'Template order_update is paused for 3 hours because its quality rating is low.' } },
    { event: 'APPROVED', ...base, reason: 'NONE', other_info: { title: 'UNPAUSE', description: 'Template order_update is no longer paused and can be sent again.' } },
    { event: 'PAUSED', ...base, reason: 'NONE', other_info: { title: 'SECOND_PAUSE', description: 'Low quality, again.' } }
  ])
  const disable = values[3] as { disable_info: { disable_date: number } }
  assert.ok(Math.abs(disable.disable_info.disable_date - disabledAt) <= 2, 'disable_date in seconds')
  assert.deepEqual(values[3], { event: 'DISABLED', ...base, reason: 'NONE', disable_info: { disable_date: disable.disable_info.disable_date } })
  assert.deepEqual(values.slice(4), [
    { event: 'REJECTED', ...base, reason: 'INCORRECT_CATEGORY' },
    { event: 'PENDING_DELETION', ...base, reason: null }
  ])
  assert.equal(updates.length, 6)
  assert.equal(sim.templates(WABA).find((x) => x.id === id)?.pauses, 2)

  assert.equal((await ctl('/templates/123/status', { status: 'PAUSED' })).status, 404)
  assert.equal((await ctl(`/templates/${id}/status`, { status: 'SLEEPING' })).status, 400)
  assert.equal((await ctl(`/templates/${id}/status`, { status: 'PAUSED', title: 'WHATEVER' })).status, 400)
})

test('POST /_sim/templates/:id/quality sends message_template_quality_update with the previous score; fields=quality_score lists it', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, webhook: { batchMs: 5, concurrency: 1 }, phoneNumbers: { [PNID]: { wabaId: WABA } }, adminToken: ADMIN })
  const ctl = control(sim.url)
  const id = (await ctl('/templates', { wabaId: WABA, name: 'promo_it', language: 'it', category: 'MARKETING', components: [{ type: 'BODY', text: 'Ciao' }] })).body.id as string
  assert.equal((await ctl(`/templates/${id}/quality`, { quality_score: 'YELLOW' })).body.qualityScore, 'YELLOW')
  await ctl(`/templates/${id}/quality`, { quality_score: 'RED' })
  assert.equal((await ctl(`/templates/${id}/quality`, { quality_score: 'PURPLE' })).status, 400)
  assert.equal((await ctl('/templates/42/quality', { quality_score: 'RED' })).status, 404)
  assert.equal(await sim.webhooksIdle(10_000), true)
  const base = { message_template_id: Number(id), message_template_name: 'promo_it', message_template_language: 'it' }
  assert.deepEqual(changes(receiver.received, 'message_template_quality_update'), [
    [WABA, { previous_quality_score: 'UNKNOWN', new_quality_score: 'YELLOW', ...base }],
    [WABA, { previous_quality_score: 'YELLOW', new_quality_score: 'RED', ...base }]
  ])
  const listed = await fetch(`${sim.url}/v23.0/${WABA}/message_templates?fields=name,quality_score&name=promo_it`, { headers: { authorization: 'Bearer tok' } }).then((r) => r.json()) as { data: unknown[] }
  assert.deepEqual(listed.data, [{ name: 'promo_it', quality_score: { score: 'RED' }, id }])
})

test('POST /_sim/templates/:id/category sends template_category_update: the impending notice (catalogue unchanged), then the completed change', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, webhook: { batchMs: 5, concurrency: 1 }, phoneNumbers: { [PNID]: { wabaId: WABA } }, adminToken: ADMIN })
  const ctl = control(sim.url)
  const id = (await ctl('/templates', { wabaId: WABA, name: 'shipping_news', language: 'pt_BR', category: 'UTILITY', components: [{ type: 'BODY', text: 'Novidades' }] })).body.id as string
  const at = Date.parse('2030-01-02T03:04:05Z')
  const notice = await ctl(`/templates/${id}/category`, { category: 'MARKETING', impending: true, at: new Date(at).toISOString() })
  assert.equal(notice.body.category, 'UTILITY', 'an impending change changes nothing yet')
  const done = await ctl(`/templates/${id}/category`, { category: 'MARKETING' })
  assert.equal(done.body.category, 'MARKETING')
  assert.equal(sim.templates(WABA).find((x) => x.id === id)?.category, 'MARKETING')
  assert.equal((await ctl(`/templates/${id}/category`, { category: 'PROMO' })).status, 400)
  assert.equal(await sim.webhooksIdle(10_000), true)
  const base = { message_template_id: Number(id), message_template_name: 'shipping_news', message_template_language: 'pt-BR' }
  assert.deepEqual(changes(receiver.received, 'template_category_update'), [
    [WABA, { ...base, new_category: 'UTILITY', correct_category: 'MARKETING', category_update_timestamp: at / 1000 }],
    [WABA, { ...base, previous_category: 'UTILITY', new_category: 'MARKETING' }]
  ])
})

test('with templateApprovalMs a template created through the control starts PENDING (132001) and is approved with its webhook after the delay', async (t) => {
  const receiver = await startReceiver(t)
  const sim = await startSim(t, { webhookUrl: receiver.url, appSecret: SECRET, webhook: { batchMs: 5, concurrency: 1 }, phoneNumbers: { [PNID]: { wabaId: WABA } }, adminToken: ADMIN, templateApprovalMs: 200 })
  const ctl = control(sim.url)
  const created = await ctl('/templates', { wabaId: WABA, name: 'new_arrivals', language: 'en_US', category: 'MARKETING', components: [{ type: 'BODY', text: 'New in store' }] })
  assert.equal(created.body.status, 'PENDING')
  const send = () => post(`${sim.url}/v23.0/${PNID}/messages`, { messaging_product: 'whatsapp', to: '+4915110000001', type: 'template', template: { name: 'new_arrivals', language: { code: 'en_US' } } })
  assert.equal((await send()).body.error.code, 132001)
  // Given as APPROVED, it is not reviewed; rejected before the delay, it is not approved.
  const direct = await ctl('/templates', { wabaId: WABA, name: 'direct', language: 'en_US', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'Hi' }] })
  assert.equal(direct.body.status, 'APPROVED')
  const rejected = await ctl('/templates', { wabaId: WABA, name: 'rejected_one', language: 'de', category: 'MARKETING', components: [{ type: 'BODY', text: 'Hallo' }] })
  await ctl(`/templates/${rejected.body.id as string}/status`, { status: 'REJECTED', reason: 'PROMOTIONAL' })

  const approved = await waitFor('the approval webhook', () => changes(receiver.received, 'message_template_status_update').find(([, v]) => v.event === 'APPROVED'))
  assert.deepEqual(approved, [WABA, { event: 'APPROVED', message_template_id: Number(created.body.id), message_template_name: 'new_arrivals', message_template_language: 'en-US', message_template_category: 'MARKETING', reason: 'NONE' }])
  assert.equal((await send()).status, 200)
  assert.equal(await sim.webhooksIdle(10_000), true)
  assert.deepEqual(changes(receiver.received, 'message_template_status_update').map(([, v]) => `${String(v.message_template_name)}:${String(v.event)}`).sort(),
    ['new_arrivals:APPROVED', 'rejected_one:REJECTED'])
  assert.equal(sim.templates(WABA).find((x) => x.name === 'rejected_one')?.status, 'REJECTED')
})

test('SIM_TEMPLATE_APPROVAL_MS and SIM_ENFORCE_WINDOWS configure the standalone sim; both off by default', () => {
  const on = toSimOptions(loadSimConfig({ SIM_TEMPLATE_APPROVAL_MS: '30000', SIM_ENFORCE_WINDOWS: 'true' }))
  assert.equal(on.templateApprovalMs, 30_000)
  assert.equal(on.enforceWindows, true)
  const off = toSimOptions(loadSimConfig({}))
  assert.equal(off.templateApprovalMs, undefined)
  assert.equal(off.enforceWindows, false)
  assert.throws(() => loadSimConfig({ SIM_TEMPLATE_APPROVAL_MS: 'soon' }), /SIM_TEMPLATE_APPROVAL_MS/)
})
