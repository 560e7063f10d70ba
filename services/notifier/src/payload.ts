import type { Alert } from '@wabridge/schemas'
import type { Notification } from './dispatcher.ts'
import { alertLabels } from './matchers.ts'

const ZERO_TIME = '0001-01-01T00:00:00Z'
const iso = (ms: number) => new Date(ms).toISOString()

/** One alert in the webhook body, shaped as in Alertmanager's webhook (version 4). */
export interface WebhookAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: { summary: string, value: string, threshold: string }
  startsAt: string
  endsAt: string
  generatorURL: string
  /** The alert_id of the wa.alerts record. */
  fingerprint: string
}

/** The JSON body of a generic webhook: Alertmanager's webhook body (version 4) plus `groupId`. */
export interface WebhookBody {
  version: '4'
  groupKey: string
  truncatedAlerts: number
  status: 'firing' | 'resolved'
  receiver: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  alerts: WebhookAlert[]
}

const statusOf = (n: Notification): 'firing' | 'resolved' => n.firing.length > 0 ? 'firing' : 'resolved'
const allOf = (n: Notification) => [...n.firing, ...n.resolved]

function toWebhookAlert (a: Alert, externalUrl: string): WebhookAlert {
  return {
    status: a.state,
    // Alertmanager calls the rule's name "alertname"; both are there.
    labels: { ...alertLabels(a), alertname: a.name },
    annotations: { summary: a.message, value: String(a.value), threshold: String(a.threshold) },
    startsAt: iso(a.fired_at),
    endsAt: a.state === 'resolved' ? iso(a.at) : ZERO_TIME,
    generatorURL: externalUrl,
    fingerprint: a.alert_id
  }
}

function common (maps: Array<Record<string, string>>): Record<string, string> {
  if (maps.length === 0) return {}
  return Object.fromEntries(Object.entries(maps[0]!).filter(([k, v]) => maps.every((m) => m[k] === v)))
}

export function toWebhookBody (n: Notification, externalUrl: string): WebhookBody {
  const alerts = allOf(n).map((a) => toWebhookAlert(a, externalUrl))
  return {
    version: '4',
    groupKey: n.id,
    truncatedAlerts: 0,
    status: statusOf(n),
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => ({ summary: a.annotations.summary }))),
    externalURL: externalUrl,
    alerts
  }
}

/** One line per alert: "[FIRING] throughput_near_limit phone_number:1065… — message". */
function lines (n: Notification): string[] {
  return allOf(n).map((a) => `[${a.state.toUpperCase()}] ${a.name} ${a.scope} (${a.severity}): ${a.message}`)
}

/** "[FIRING:2] throughput_near_limit" or "[RESOLVED] …": the title of a notification. */
export function toTitle (n: Notification): string {
  const labels = Object.values(n.groupLabels).filter((v) => v !== '').join(' ')
  const head = n.firing.length > 0 ? `[FIRING:${n.firing.length}]` : '[RESOLVED]'
  return `${head} ${labels || 'wabridge alerts'}`
}

/** A Slack incoming-webhook message: `text` (also the notification preview) and mrkdwn `blocks`. */
export function toSlackBody (n: Notification, options: { channel?: string | undefined, username?: string | undefined }): Record<string, unknown> {
  const title = toTitle(n)
  const body = lines(n).join('\n')
  return {
    ...(options.channel && { channel: options.channel }),
    ...(options.username && { username: options.username }),
    text: `${title}\n${body}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 3000) } }
    ]
  }
}

/** The e-mail of a notification: subject, plain text. */
export function toEmail (n: Notification, prefix = '[wabridge] '): { subject: string, text: string } {
  const details = allOf(n).map((a) => [
    `${a.state.toUpperCase()}: ${a.name} (${a.severity})`,
    `  scope: ${a.scope}`,
    `  ${a.message}`,
    `  value ${a.value}, threshold ${a.threshold}; firing since ${iso(a.fired_at)}${a.state === 'resolved' ? `, resolved at ${iso(a.at)}` : ''}`
  ].join('\n'))
  return { subject: `${prefix}${toTitle(n)}`, text: details.join('\n\n') + '\n' }
}
