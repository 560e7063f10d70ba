import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createGraphApiSim, deriveWabaId } from '@wabridge/graph-api-sim'
import { api, PHONE, startApp, testEnv } from './helpers.ts'

test('with a token, the template is checked against the Graph API (the simulator\'s catalogue) before the campaign exists', async (t) => {
  const sim = createGraphApiSim({ pairRate: false })
  await sim.start()
  t.after(() => sim.stop())
  const env = testEnv({ GRAPH_API_BASE_URL: sim.url, WA_ACCESS_TOKEN: 'test-token', WA_PHONE_WABAS: `${PHONE}=${deriveWabaId(PHONE)}` })
  const app = await startApp(t, env, { reach: null })
  const create = (template: unknown) => api(app, 'POST', '/v1/campaigns', { name: 'tc', phone_number_id: PHONE, template })

  const unknown = await create({ name: 'no_such_template', language: 'en_US' })
  assert.equal(unknown.status, 400)
  assert.equal(unknown.body.error.code, 'CAMPAIGNS_UNKNOWN_TEMPLATE')
  const mismatch = await create({ name: 'hello_world', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: '{{name}}' }] }] })
  assert.equal(mismatch.status, 400)
  assert.equal(mismatch.body.error.code, 'CAMPAIGNS_TEMPLATE_MISMATCH')
  assert.match(mismatch.body.error.message, /body has 1 parameter\(s\), the template expects 0/)
  const ok = await create({ name: 'hello_world', language: 'en_US' })
  assert.equal(ok.status, 201, JSON.stringify(ok.body))
  assert.equal(ok.body.waba_id, deriveWabaId(PHONE))
})
