import assert from 'node:assert/strict'
import { test } from 'node:test'
import { notifierReceivers, printBanner, type BannerInput } from '../src/banner.ts'

const input: BannerInput = {
  brokers: '127.0.0.1:9092',
  isLocalKafka: true,
  host: '127.0.0.1',
  ports: { ingress: 18080, egress: 18081, metrics: 18082, api: 18083, notifier: 18084, webhooks: 18085, scheduler: 18086, campaigns: 18087, sim: 18090, prometheus: '19464' },
  graphUrl: 'http://127.0.0.1:18090',
  hasSim: true,
  devSecrets: [],
  notifierReceivers: []
}

function banner (overrides: Partial<BannerInput> = {}): string {
  let text = ''
  printBanner((t) => { text += t }, { ...input, ...overrides })
  return text
}

test('the banner says where every part listens, one row each', () => {
  const text = banner()
  for (const [part, where] of [
    ['ingress', 'http://127.0.0.1:18080/webhook'],
    ['egress', 'http://127.0.0.1:18081/readyz'],
    ['metrics', 'http://127.0.0.1:18082/v1/usage'],
    ['api', 'http://127.0.0.1:18083/v1/messages'],
    ['webhooks', 'http://127.0.0.1:18085/v1/subscriptions'],
    ['notifier', 'http://127.0.0.1:18084/v1/silences'],
    ['scheduler', 'http://127.0.0.1:18086/v1/scheduled'],
    ['campaigns', 'http://127.0.0.1:18087/v1/campaigns'],
    ['Graph API sim', 'http://127.0.0.1:18090']
  ] as const) {
    assert.match(text, new RegExp(`\\n  ${part} +${where.replaceAll('.', '\\.')}[ \\n]`), part)
  }
  assert.doesNotMatch(banner({ hasSim: false }), /Graph API sim/)
})

test('the notifier row says which receivers are configured, and how to add one when none is', () => {
  assert.match(banner(), /notifier .*receivers: none \(set NOTIFIER_WEBHOOK_URL, NOTIFIER_SLACK_WEBHOOK_URL or NOTIFIER_RECEIVERS_FILE\)/)
  assert.match(banner({ notifierReceivers: ['NOTIFIER_SLACK_WEBHOOK_URL'] }), /notifier .*receivers: NOTIFIER_SLACK_WEBHOOK_URL\n/)
  assert.deepEqual(notifierReceivers({}), [])
  assert.deepEqual(notifierReceivers({ NOTIFIER_WEBHOOK_URL: 'http://x', NOTIFIER_SMTP_URL_FILE: '/run/secrets/smtp', NOTIFIER_SLACK_WEBHOOK_URL: '' }), ['NOTIFIER_WEBHOOK_URL', 'NOTIFIER_SMTP_URL'])
  assert.deepEqual(notifierReceivers({ NOTIFIER_RECEIVERS_FILE: '/etc/receivers.yaml' }), ['NOTIFIER_RECEIVERS_FILE'])
})
