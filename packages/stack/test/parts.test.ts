import assert from 'node:assert/strict'
import { test } from 'node:test'
import { stackParts, type PartsInput } from '../src/parts.ts'

const input = (env: Record<string, string | undefined> = {}): PartsInput => ({
  env,
  brokers: '127.0.0.1:9092',
  prefix: 'wa',
  ports: { ingress: 8080, egress: 8081, metrics: 8082, api: 8083, notifier: 8084, webhooks: 8085, scheduler: 8086, campaigns: 8087, sim: 8090, prometheus: '9464' },
  secrets: { WA_APP_SECRETS: 'dev-app-secret', WA_VERIFY_TOKEN: 'dev-verify-token', WA_ACCESS_TOKEN: 'dev-access-token' },
  graphUrl: 'http://127.0.0.1:8090',
  host: '127.0.0.1'
})

test('the parts start in order: the simulator, the core, then the HTTP API, the CRM webhooks, the notifier, the scheduler and the campaigns together', () => {
  assert.deepEqual(stackParts(input()).map((p) => p.name), ['sim', 'ingress', 'egress', 'metrics', 'api', 'webhooks', 'notifier', 'scheduler', 'campaigns'])
  assert.deepEqual(stackParts(input()).filter((p) => p.withPrevious === true).map((p) => p.name), ['webhooks', 'notifier', 'scheduler', 'campaigns'])
  // With a real Graph API there is no simulator.
  assert.deepEqual(stackParts(input({ GRAPH_API_BASE_URL: 'https://graph.facebook.com' })).map((p) => p.name),
    ['ingress', 'egress', 'metrics', 'api', 'webhooks', 'notifier', 'scheduler', 'campaigns'])
})

test('each new part gets its port, the brokers and prefix, and is ready at its own /readyz', () => {
  const parts = Object.fromEntries(stackParts(input()).map((p) => [p.name, p]))
  for (const [name, variable, port] of [
    ['api', 'API_PORT', 8083], ['notifier', 'NOTIFIER_PORT', 8084], ['webhooks', 'WEBHOOKS_PORT', 8085], ['scheduler', 'SCHEDULER_PORT', 8086], ['campaigns', 'CAMPAIGNS_PORT', 8087]
  ] as const) {
    const part = parts[name]!
    assert.equal(part.env[variable], String(port), `${name}: ${variable}`)
    assert.equal(part.env.KAFKA_BROKERS, '127.0.0.1:9092')
    assert.equal(part.env.TOPIC_PREFIX, 'wa')
    assert.equal(part.readyUrl, `http://127.0.0.1:${port}/readyz`)
    assert.deepEqual(part.nodeFlags, [])
    // The Meta secrets stay with the parts that use them: only campaigns calls the Graph API (templates).
    for (const secret of ['WA_APP_SECRETS', 'WA_VERIFY_TOKEN', ...name === 'campaigns' ? [] : ['WA_ACCESS_TOKEN']]) assert.equal(part.env[secret], undefined, `${name} gets no ${secret}`)
  }
})

test('campaigns and egress call the same Graph API (the simulator unless GRAPH_API_BASE_URL is set) with the same token', () => {
  const parts = Object.fromEntries(stackParts(input()).map((p) => [p.name, p]))
  for (const name of ['egress', 'campaigns']) {
    assert.equal(parts[name]!.env.GRAPH_API_BASE_URL, 'http://127.0.0.1:8090', name)
    assert.equal(parts[name]!.env.WA_ACCESS_TOKEN, 'dev-access-token', name)
  }
  // A token given by the operator is not replaced (the parts inherit the stack's environment).
  const real = stackParts({ ...input({ GRAPH_API_BASE_URL: 'https://graph.facebook.com', WA_ACCESS_TOKEN: 'EAAG' }), secrets: {}, graphUrl: 'https://graph.facebook.com' })
  const campaigns = real.find((p) => p.name === 'campaigns')!
  assert.equal(campaigns.env.GRAPH_API_BASE_URL, 'https://graph.facebook.com')
  assert.equal(campaigns.env.WA_ACCESS_TOKEN, undefined)
})

test('a part exports Prometheus only when asked: <PART>_PROMETHEUS_PORT becomes its PROMETHEUS_PORT, never the metrics service\'s', () => {
  const named = (env: Record<string, string>) => Object.fromEntries(stackParts(input({ PROMETHEUS_PORT: '9464', ...env })).map((p) => [p.name, p.env.PROMETHEUS_PORT]))
  // Empty counts as unset for every part: the stack's PROMETHEUS_PORT (inherited) must not reach them.
  assert.deepEqual(named({}), { sim: undefined, ingress: '', egress: '', metrics: '9464', api: '', webhooks: '', notifier: '', scheduler: '', campaigns: '' })
  assert.deepEqual(named({ API_PROMETHEUS_PORT: '9467', NOTIFIER_PROMETHEUS_PORT: '9468', WEBHOOKS_PROMETHEUS_PORT: '9469', SCHEDULER_PROMETHEUS_PORT: '9470', CAMPAIGNS_PROMETHEUS_PORT: '9471' }),
    { sim: undefined, ingress: '', egress: '', metrics: '9464', api: '9467', webhooks: '9469', notifier: '9468', scheduler: '9470', campaigns: '9471' })
})
