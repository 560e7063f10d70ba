import assert from 'node:assert/strict'
import { test } from 'node:test'
import { notifierReceivers, printBanner, type BannerInput } from '../src/banner.ts'

const input: BannerInput = {
  brokers: '127.0.0.1:9092',
  isLocalKafka: true,
  host: '127.0.0.1',
  ports: { ingress: 18080, egress: 18081, metrics: 18082, api: 18083, notifier: 18084, webhooks: 18085, scheduler: 18086, campaigns: 18087, conversations: 18088, media: 18089, sim: 18090, prometheus: '19464' },
  graphUrl: 'http://127.0.0.1:18090',
  hasSim: true,
  devSecrets: [],
  notifierReceivers: [],
  mediaStoreUrl: 'file:///srv/wabridge/.wabridge/media'
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
    ['conversations', 'http://127.0.0.1:18088/v1/windows/{phone_number_id}/{wa_id}'],
    ['media', 'http://127.0.0.1:18089/v1/media/{media_id}'],
    ['Graph API sim', 'http://127.0.0.1:18090']
  ] as const) {
    assert.match(text, new RegExp(`\\n  ${part} +${where.replaceAll('.', '\\.')}[ \\n]`), part)
  }
  assert.doesNotMatch(banner({ hasSim: false }), /Graph API sim/)
  assert.match(text, /\n {2}media .* stored in file:\/\/\/srv\/wabridge\/\.wabridge\/media,/)
})

test('the next steps open the customer\'s window before a free-form send, and show a template send that needs none', () => {
  const next = banner().split('next:')[1]!
  const simulate = next.indexOf('npx wabridge simulate --number 106540352242922 --from 16505551234')
  const text = next.indexOf('npx wabridge send --from 106540352242922 --to +16505551234 --text')
  assert.ok(simulate >= 0 && text > simulate, next)
  assert.match(next, /--template hello_world/)
})

test('the notifier row says which receivers are configured, and how to add one when none is', () => {
  assert.match(banner(), /notifier .*receivers: none \(set NOTIFIER_WEBHOOK_URL, NOTIFIER_SLACK_WEBHOOK_URL or NOTIFIER_RECEIVERS_FILE\)/)
  assert.match(banner({ notifierReceivers: ['NOTIFIER_SLACK_WEBHOOK_URL'] }), /notifier .*receivers: NOTIFIER_SLACK_WEBHOOK_URL\n/)
  assert.deepEqual(notifierReceivers({}), [])
  assert.deepEqual(notifierReceivers({ NOTIFIER_WEBHOOK_URL: 'http://x', NOTIFIER_SMTP_URL_FILE: '/run/secrets/smtp', NOTIFIER_SLACK_WEBHOOK_URL: '' }), ['NOTIFIER_WEBHOOK_URL', 'NOTIFIER_SMTP_URL'])
  assert.deepEqual(notifierReceivers({ NOTIFIER_RECEIVERS_FILE: '/etc/receivers.yaml' }), ['NOTIFIER_RECEIVERS_FILE'])
})
