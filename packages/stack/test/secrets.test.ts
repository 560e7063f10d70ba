import assert from 'node:assert/strict'
import { test } from 'node:test'
import { resolveSecrets } from '../src/secrets.ts'

test('against the simulator, secrets not given fall back to the development ones', () => {
  assert.deepEqual(resolveSecrets({}), {
    env: { WA_APP_SECRETS: 'dev-app-secret', WA_VERIFY_TOKEN: 'dev-verify-token', WA_ACCESS_TOKEN: 'dev-access-token' },
    dev: ['WA_APP_SECRETS', 'WA_VERIFY_TOKEN', 'WA_ACCESS_TOKEN']
  })
  assert.deepEqual(resolveSecrets({ WA_APP_SECRETS_FILE: '/run/secrets/app', WA_ACCESS_TOKENS: '1=t' }).dev, ['WA_VERIFY_TOKEN'])
})

test('with a real Graph API, every secret must be given (or its _FILE form) and the error names the missing ones', () => {
  assert.throws(() => resolveSecrets({ GRAPH_API_BASE_URL: 'https://graph.facebook.com', WA_VERIFY_TOKEN_FILE: '/run/secrets/verify' }), {
    code: 'STACK_SECRETS_MISSING',
    message: /missing: WA_APP_SECRETS or WA_APP_SECRETS_FILE; WA_ACCESS_TOKEN or WA_ACCESS_TOKEN_FILE or WA_ACCESS_TOKENS or WA_ACCESS_TOKENS_FILE$/
  })
  assert.deepEqual(resolveSecrets({ GRAPH_API_BASE_URL: 'https://graph.facebook.com', WA_APP_SECRETS: 'a', WA_VERIFY_TOKEN: 'v', WA_ACCESS_TOKEN_FILE: '/t' }), { env: {}, dev: [] })
})
