import assert from 'node:assert/strict'
import { test } from 'node:test'
import { recipientWaId } from '@wabridge/schemas'
import { api, numbers, PHONE, startApp, startFakeEgress, TEMPLATE, testEnv, waitFor } from './helpers.ts'

test('suppressed recipients are skipped and counted; the messaging-limit guard holds the campaign until it has room', async (t) => {
  const env = testEnv()
  let room = 3
  let nextRoomAt: number | undefined
  const admitted = new Set<string>()
  const reach = {
    async admit (_pn: string, waId: string) {
      if (admitted.has(waId)) return true
      if (room <= 0) {
        nextRoomAt = Date.now() + 200
        return false
      }
      room--
      admitted.add(waId)
      return true
    },
    nextRoomAt: () => nextRoomAt
  }
  const app = await startApp(t, env, { reach })
  const egress = await startFakeEgress(t, env)
  const audience = numbers(8)
  await app.suppressions.add({ scope: `phone:${PHONE}`, wa_id: recipientWaId(audience[1]!), reason: 'opted_out', source: 'test', created_at: Date.now(), expires_at: null, created_by: 'test' })
  await waitFor('the suppression read back', () => app.suppressions.isSuppressed(`phone:${PHONE}`, recipientWaId(audience[1]!)) ?? undefined)

  const created = await api(app, 'POST', '/v1/campaigns', { name: 'o', phone_number_id: PHONE, template: TEMPLATE, recipients: audience.map((to) => ({ to, name: 'x' })) })
  const id = created.body.id as string
  await api(app, 'POST', `/v1/campaigns/${id}/start`)
  const held = await waitFor('held by the messaging limit', async () => {
    const c = (await api(app, 'GET', `/v1/campaigns/${id}`)).body
    return c.held && c.progress.sent === 3 ? c : undefined
  })
  assert.equal(held.state, 'running')
  assert.equal(held.progress.suppressed, 1)
  assert.equal(egress.requests.length, 3)
  assert.ok(!egress.requests.some((r) => r.to === audience[1]), 'the suppressed recipient got nothing')

  room = 100 // the rolling window freed room
  const done = await waitFor('completed', async () => {
    const c = (await api(app, 'GET', `/v1/campaigns/${id}`)).body
    return c.state === 'completed' ? c : undefined
  })
  assert.equal(done.held, false)
  assert.equal(done.progress.sent, 7)
  assert.equal(done.progress.suppressed, 1)
  assert.equal(egress.requests.length, 7)

  // The suppression routes of @wabridge/outreach are mounted.
  const listed = await api(app, 'GET', '/v1/suppressions')
  assert.equal(listed.status, 200)
  assert.equal(listed.body.suppressions.length, 1)
})
