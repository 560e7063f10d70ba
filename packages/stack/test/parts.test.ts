import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stackParts, type PartsInput } from '../src/parts.ts'

const input = (env: Record<string, string | undefined> = {}): PartsInput => ({
  env,
  brokers: '127.0.0.1:9092',
  prefix: 'wa',
  ports: { ingress: 8080, egress: 8081, metrics: 8082, api: 8083, notifier: 8084, webhooks: 8085, scheduler: 8086, campaigns: 8087, conversations: 8088, media: 8089, sim: 8090, prometheus: '9464' },
  secrets: { WA_APP_SECRETS: 'dev-app-secret', WA_VERIFY_TOKEN: 'dev-verify-token', WA_ACCESS_TOKEN: 'dev-access-token' },
  graphUrl: 'http://127.0.0.1:8090',
  host: '127.0.0.1',
  mediaStoreUrl: 'file:///srv/wabridge/.wabridge/media'
})

test('the parts start in order: the simulator, the core, the HTTP API, the CRM webhooks, the notifier, the scheduler and the campaigns together, then conversations and media together', () => {
  assert.deepEqual(stackParts(input()).map((p) => p.name), ['sim', 'ingress', 'egress', 'metrics', 'api', 'webhooks', 'notifier', 'scheduler', 'campaigns', 'conversations', 'media'])
  assert.deepEqual(stackParts(input()).filter((p) => p.withPrevious === true).map((p) => p.name), ['webhooks', 'notifier', 'scheduler', 'campaigns', 'media'])
  // With a real Graph API there is no simulator.
  assert.deepEqual(stackParts(input({ GRAPH_API_BASE_URL: 'https://graph.facebook.com' })).map((p) => p.name),
    ['ingress', 'egress', 'metrics', 'api', 'webhooks', 'notifier', 'scheduler', 'campaigns', 'conversations', 'media'])
})

test('each new part gets its port, the brokers and prefix, and is ready at its own /readyz', () => {
  const parts = Object.fromEntries(stackParts(input()).map((p) => [p.name, p]))
  for (const [name, variable, port] of [
    ['api', 'API_PORT', 8083], ['notifier', 'NOTIFIER_PORT', 8084], ['webhooks', 'WEBHOOKS_PORT', 8085], ['scheduler', 'SCHEDULER_PORT', 8086], ['campaigns', 'CAMPAIGNS_PORT', 8087],
    ['conversations', 'CONVERSATIONS_PORT', 8088], ['media', 'MEDIA_PORT', 8089]
  ] as const) {
    const part = parts[name]!
    assert.equal(part.env[variable], String(port), `${name}: ${variable}`)
    assert.equal(part.env.KAFKA_BROKERS, '127.0.0.1:9092')
    assert.equal(part.env.TOPIC_PREFIX, 'wa')
    assert.equal(part.readyUrl, `http://127.0.0.1:${port}/readyz`)
    assert.deepEqual(part.nodeFlags, [])
    // The Meta secrets stay with the parts that use them: campaigns and conversations read templates from the Graph API, media downloads there.
    const callsGraph = ['campaigns', 'conversations', 'media'].includes(name)
    for (const secret of ['WA_APP_SECRETS', 'WA_VERIFY_TOKEN', ...callsGraph ? [] : ['WA_ACCESS_TOKEN']]) assert.equal(part.env[secret], undefined, `${name} gets no ${secret}`)
  }
})

test('campaigns, conversations, media and egress call the same Graph API (the simulator unless GRAPH_API_BASE_URL is set) with the same token', () => {
  const parts = Object.fromEntries(stackParts(input()).map((p) => [p.name, p]))
  for (const name of ['egress', 'campaigns', 'conversations', 'media']) {
    assert.equal(parts[name]!.env.GRAPH_API_BASE_URL, 'http://127.0.0.1:8090', name)
    assert.equal(parts[name]!.env.WA_ACCESS_TOKEN, 'dev-access-token', name)
  }
  // A token given by the operator is not replaced (the parts inherit the stack's environment).
  const real = stackParts({ ...input({ GRAPH_API_BASE_URL: 'https://graph.facebook.com', WA_ACCESS_TOKEN: 'EAAG' }), secrets: {}, graphUrl: 'https://graph.facebook.com' })
  for (const name of ['campaigns', 'conversations', 'media']) {
    const part = real.find((p) => p.name === name)!
    assert.equal(part.env.GRAPH_API_BASE_URL, 'https://graph.facebook.com', name)
    assert.equal(part.env.WA_ACCESS_TOKEN, undefined, name)
  }
})

test('against the simulator, the local stack turns on what egress expects of Meta: windows enforced, the example number\'s WABA known, media over loopback HTTP', () => {
  const parts = Object.fromEntries(stackParts(input()).map((p) => [p.name, p]))
  assert.equal(parts.sim!.env.SIM_ENFORCE_WINDOWS, 'true')
  // The sim derives the number's WABA (its id + 10^12): the conversations service syncs that catalogue and egress checks templates against it.
  for (const name of ['egress', 'conversations', 'campaigns', 'api']) assert.equal(parts[name]!.env.WA_PHONE_WABAS, '106540352242922=107540352242922', name)
  assert.equal(parts.media!.env.MEDIA_STORE_URL, 'file:///srv/wabridge/.wabridge/media')
  assert.equal(parts.media!.env.MEDIA_ALLOW_INSECURE_HTTP, 'true')
  assert.equal(parts.media!.env.MEDIA_ALLOWED_HOSTS, '127.0.0.1')
  // Egress sends the store's files by reference (store_uri), from the same store (a folder or S3).
  assert.equal(parts.egress!.env.MEDIA_STORE_URL, 'file:///srv/wabridge/.wabridge/media')
  const s3 = Object.fromEntries(stackParts({ ...input(), mediaStoreUrl: 's3://media/inbound' }).map((p) => [p.name, p]))
  assert.deepEqual([s3.egress!.env.MEDIA_STORE_URL, s3.media!.env.MEDIA_STORE_URL], ['s3://media/inbound', 's3://media/inbound'])
  // What the operator sets wins (the parts inherit the stack's environment).
  const own = Object.fromEntries(stackParts(input({ SIM_ENFORCE_WINDOWS: 'false', WA_PHONE_WABAS: '1=2', MEDIA_ALLOWED_HOSTS: 'localhost' })).map((p) => [p.name, p]))
  assert.equal(own.sim!.env.SIM_ENFORCE_WINDOWS, 'false')
  assert.equal(own.egress!.env.WA_PHONE_WABAS, undefined)
  assert.equal(own.media!.env.MEDIA_ALLOWED_HOSTS, 'localhost')
  // With a real Graph API: nothing of the simulator's, HTTPS only.
  const real = Object.fromEntries(stackParts({ ...input({ GRAPH_API_BASE_URL: 'https://graph.facebook.com' }), graphUrl: 'https://graph.facebook.com' }).map((p) => [p.name, p]))
  assert.equal(real.egress!.env.WA_PHONE_WABAS, undefined)
  assert.equal(real.media!.env.MEDIA_ALLOW_INSECURE_HTTP, undefined)
  assert.equal(real.media!.env.MEDIA_ALLOWED_HOSTS, undefined)
  assert.equal(real.media!.env.MEDIA_STORE_URL, 'file:///srv/wabridge/.wabridge/media')
})

test('a part exports Prometheus only when asked: <PART>_PROMETHEUS_PORT becomes its PROMETHEUS_PORT, never the metrics service\'s', () => {
  const named = (env: Record<string, string>) => Object.fromEntries(stackParts(input({ PROMETHEUS_PORT: '9464', ...env })).map((p) => [p.name, p.env.PROMETHEUS_PORT]))
  // Empty counts as unset for every part: the stack's PROMETHEUS_PORT (inherited) must not reach them.
  assert.deepEqual(named({}), { sim: undefined, ingress: '', egress: '', metrics: '9464', api: '', webhooks: '', notifier: '', scheduler: '', campaigns: '', conversations: '', media: '' })
  assert.deepEqual(named({
    API_PROMETHEUS_PORT: '9467',
    NOTIFIER_PROMETHEUS_PORT: '9468',
    WEBHOOKS_PROMETHEUS_PORT: '9469',
    SCHEDULER_PROMETHEUS_PORT: '9470',
    CAMPAIGNS_PROMETHEUS_PORT: '9471',
    CONVERSATIONS_PROMETHEUS_PORT: '9472',
    MEDIA_PROMETHEUS_PORT: '9473'
  }), { sim: undefined, ingress: '', egress: '', metrics: '9464', api: '9467', webhooks: '9469', notifier: '9468', scheduler: '9470', campaigns: '9471', conversations: '9472', media: '9473' })
})
