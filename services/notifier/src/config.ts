import { z } from 'zod'
import { csv, durationMs, kafkaEnv, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'

const MINUTE_MS = 60_000
const topicName = () => z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -')

/** Notifier configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the silences API, /healthz and /readyz.
  NOTIFIER_PORT: port().default(8084),
  // Address the HTTP server binds to.
  NOTIFIER_HOST: z.string().default('127.0.0.1'),
  // Bearer token of the silences API (/v1/*); a secret (also NOTIFIER_ADMIN_TOKEN_FILE). Enforced whenever
  // set. Unset and NOTIFIER_HOST not loopback: the API answers 403 (notifications go on). /healthz, /readyz stay open.
  NOTIFIER_ADMIN_TOKEN: secret(z.string().min(1)).optional(),
  // Link put in notifications (Alertmanager's externalURL); unset = this service's own URL.
  NOTIFIER_EXTERNAL_URL: z.url().optional(),

  // Kafka
  // Consumer group of all notifier instances on wa.alerts (default "<TOPIC_PREFIX>.notifier").
  NOTIFIER_GROUP_ID: z.string().min(1).optional(),
  // Compacted topic of silences (default <TOPIC_PREFIX>.notifier.silences).
  NOTIFIER_SILENCES_TOPIC: topicName().optional(),
  // Compacted topic of the notification log (default <TOPIC_PREFIX>.notifier.log).
  NOTIFIER_LOG_TOPIC: topicName().optional(),
  // Consumer group session timeout, ms: how fast a dead instance's alert partitions move to another.
  NOTIFIER_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000),

  // Receivers and routes
  // Receivers and routes file (JSON or YAML, docs/notifications.md); the shortcuts below add to it.
  NOTIFIER_RECEIVERS_FILE: z.string().min(1).optional(),
  // Shortcut: a generic webhook receiver named "webhook" (Alertmanager webhook body), every alert.
  NOTIFIER_WEBHOOK_URL: secret(z.url()).optional(),
  // Shortcut: a Slack incoming webhook receiver named "slack", every alert.
  NOTIFIER_SLACK_WEBHOOK_URL: secret(z.url()).optional(),
  // Shortcut: an e-mail receiver named "email": smtp://user:pass@host:587 or smtps://…:465 (needs NOTIFIER_EMAIL_TO).
  NOTIFIER_SMTP_URL: secret(z.url()).optional(),
  // Recipients of the "email" receiver, comma-separated.
  NOTIFIER_EMAIL_TO: csv().optional(),
  // Sender of the "email" receiver.
  NOTIFIER_EMAIL_FROM: z.string().default('wabridge@localhost'),

  // Grouping (defaults of every route)
  // Labels whose values make a group (name, severity, scope, phone_number_id, waba_id or a label key).
  NOTIFIER_GROUP_BY: csv().default(['name']),
  // How long a new group waits for more alerts before its first notification, ms.
  NOTIFIER_GROUP_WAIT_MS: durationMs().default(30_000),
  // How long a group waits before notifying about changes (new or resolved alerts), ms.
  NOTIFIER_GROUP_INTERVAL_MS: durationMs().min(1).default(5 * MINUTE_MS),
  // How long before alerts still firing are notified again, ms.
  NOTIFIER_REPEAT_INTERVAL_MS: durationMs().min(1).default(4 * 60 * MINUTE_MS),
  // How often groups are checked for due notifications and silences for expiry, ms.
  NOTIFIER_TICK_MS: durationMs().min(10).default(1000),

  // Delivery (defaults of every receiver)
  // Timeout of one delivery attempt (HTTP request or SMTP session), ms.
  NOTIFIER_SEND_TIMEOUT_MS: durationMs().min(100).default(10_000),
  // Retries of a failed delivery (after the first attempt), with exponential backoff.
  NOTIFIER_RETRIES: z.coerce.number().int().min(0).max(20).default(4),
  // First retry delay, ms (doubles per retry up to NOTIFIER_RETRY_MAX_MS).
  NOTIFIER_RETRY_MIN_MS: durationMs().min(1).default(1000),
  // Longest retry delay, ms.
  NOTIFIER_RETRY_MAX_MS: durationMs().min(1).default(60_000),
  // Notifications per minute per receiver (token bucket refill); excess waits in the receiver's queue.
  NOTIFIER_RATE_PER_MINUTE: z.coerce.number().positive().default(20),
  // Notifications a receiver may get at once before the rate applies (bucket size).
  NOTIFIER_RATE_BURST: positiveInt().default(5),
  // Groups waiting per receiver; beyond it the oldest waiting notification is dropped (counted) and
  // sent again at its group's next interval.
  NOTIFIER_QUEUE_MAX: positiveInt().default(100)
}).superRefine((c, ctx) => {
  if (c.NOTIFIER_SMTP_URL && !c.NOTIFIER_EMAIL_TO?.length) {
    ctx.addIssue({ code: 'custom', path: ['NOTIFIER_EMAIL_TO'], message: 'required with NOTIFIER_SMTP_URL' })
  }
  if (c.NOTIFIER_RETRY_MAX_MS < c.NOTIFIER_RETRY_MIN_MS) {
    ctx.addIssue({ code: 'custom', path: ['NOTIFIER_RETRY_MAX_MS'], message: 'must be at least NOTIFIER_RETRY_MIN_MS' })
  }
})

export type NotifierConfig = z.output<typeof ConfigSchema> & { NOTIFIER_GROUP_ID: string, NOTIFIER_SILENCES_TOPIC: string, NOTIFIER_LOG_TOPIC: string }

export function loadConfig (env: Record<string, string | undefined>): NotifierConfig {
  const config = parseEnv(ConfigSchema, env)
  const prefix = config.TOPIC_PREFIX
  return Object.freeze({
    ...config,
    NOTIFIER_GROUP_ID: config.NOTIFIER_GROUP_ID ?? `${prefix}.notifier`,
    NOTIFIER_SILENCES_TOPIC: config.NOTIFIER_SILENCES_TOPIC ?? `${prefix}.notifier.silences`,
    NOTIFIER_LOG_TOPIC: config.NOTIFIER_LOG_TOPIC ?? `${prefix}.notifier.log`
  })
}
