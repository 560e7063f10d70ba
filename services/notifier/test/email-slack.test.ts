import assert from 'node:assert/strict'
import { createServer as createNetServer, type AddressInfo } from 'node:net'
import { test } from 'node:test'
import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { alert, manualClock, produceAlerts, receiversFile, resolvedOf, startApp, startReceiver, testEnv, waitFor } from './helpers.ts'

test('alerts reach a real SMTP server as e-mail and a Slack-shaped receiver as text and blocks, with resolved notices', async (t) => {
  const mails: ParsedMail[] = []
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData (stream, _session, callback) {
      simpleParser(stream).then((m) => { mails.push(m); callback() }, callback)
    }
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => smtp.close(() => resolve())))
  const smtpPort = (smtp.server.address() as AddressInfo).port
  const slack = await startReceiver(t)
  const file = receiversFile({
    receivers: [
      { name: 'oncall', type: 'email', smtp_url: `smtp://127.0.0.1:${smtpPort}`, from: 'wabridge@example.com', to: ['oncall@example.com', 'ops@example.com'] },
      { name: 'chat', type: 'slack', url: slack.url, channel: '#alerts' }
    ],
    routes: [
      { matchers: ['severity=critical'], receivers: ['oncall', 'chat'] },
      { matchers: [], receivers: ['chat'] }
    ]
  })
  const env = testEnv({ NOTIFIER_RECEIVERS_FILE: file })
  const clock = manualClock()
  const app = await startApp(t, env, { clock: clock.now })
  const critical = alert({ name: 'account_update', scope: 'waba:102290129340398', severity: 'critical', message: 'account locked (131031)' })
  const warning = alert({ scope: 'phone_number:1' })
  await produceAlerts(t, env.TOPIC_PREFIX!, [critical, warning])

  await waitFor('the e-mail', () => mails.length >= 1)
  const mail = mails[0]!
  assert.equal(mail.subject, '[wabridge] [FIRING:1] account_update')
  assert.equal(mail.from?.text, 'wabridge@example.com')
  assert.deepEqual((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((a) => a!.value.map((v) => v.address)), ['oncall@example.com', 'ops@example.com'])
  assert.match(mail.text ?? '', /FIRING: account_update \(critical\)\n {2}scope: waba:102290129340398\n {2}account locked \(131031\)/)

  await waitFor('both Slack messages', () => slack.received.length >= 2)
  const texts = slack.received.map((r) => r.body.text as string).sort()
  assert.match(texts[0]!, /^\[FIRING:1\] account_update\n\[FIRING\] account_update waba:102290129340398 \(critical\): account locked/)
  assert.match(texts[1]!, /^\[FIRING:1\] throughput_near_limit\n/)
  for (const r of slack.received) {
    assert.equal(r.body.channel, '#alerts')
    assert.deepEqual(r.body.blocks.map((b: { type: string }) => b.type), ['header', 'section'])
    assert.equal(r.body.blocks[1].text.type, 'mrkdwn')
  }

  await produceAlerts(t, env.TOPIC_PREFIX!, [resolvedOf(critical, clock.now())])
  await waitFor('resolved read', () => app.firing().length === 1)
  clock.advance(60_000)
  await waitFor('the resolved e-mail', () => mails.length >= 2)
  assert.equal(mails[1]!.subject, '[wabridge] [RESOLVED] account_update')
})

test('an SMTP server that never greets fails each attempt at the receiver\'s timeout, and is retried', async (t) => {
  let connections = 0
  const sockets = new Set<import('node:net').Socket>()
  const silent = createNetServer((socket) => { connections++; sockets.add(socket) })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); silent.close(() => resolve()) }))
  const file = receiversFile({
    receivers: [{ name: 'mute', type: 'email', smtp_url: `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, from: 'a@example.com', to: ['b@example.com'], timeout_ms: 300, retries: 1 }]
  })
  const env = testEnv({ NOTIFIER_RECEIVERS_FILE: file })
  const app = await startApp(t, env)
  await produceAlerts(t, env.TOPIC_PREFIX!, [alert()])
  await waitFor('two attempts', () => connections >= 2)
  await waitFor('given up', () => app.isIdle())
  assert.equal(connections, 2)
})
