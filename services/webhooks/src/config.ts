import { z } from 'zod'
import { bool, csv, durationMs, kafkaEnv, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'
import { adminTokenProblem } from '@wabridge/process'

const HOUR_MS = 60 * 60 * 1000

/** Webhooks service configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the subscriptions API (/v1/subscriptions…), /healthz and /readyz.
  WEBHOOKS_PORT: port().default(8085),
  // Address the HTTP server binds to.
  WEBHOOKS_HOST: z.string().min(1).default('127.0.0.1'),
  // Bearer token of the subscriptions API; a secret (also WEBHOOKS_ADMIN_TOKEN_FILE). Required when
  // WEBHOOKS_HOST is not loopback; enforced whenever set. /healthz and /readyz stay open.
  WEBHOOKS_ADMIN_TOKEN: secret(z.string()).optional(),

  // Kafka
  // Consumer group reading the source topics (and, with ".retry", owning retry partitions).
  // Default "<TOPIC_PREFIX>.webhooks".
  WEBHOOKS_GROUP_ID: z.string().min(1).optional(),
  // Where the group starts on its very first run (no committed offsets): false = only events from
  // now on, true = every event still in the source topics (up to their 7-day retention).
  WEBHOOKS_FROM_BEGINNING: bool().default(false),

  // Delivery
  // How long one delivery attempt may take (connect, send, answer), ms; longer counts as failed.
  // Below SHUTDOWN_TIMEOUT_MS, so that attempts in flight finish (and are recorded) during shutdown.
  WEBHOOKS_TIMEOUT_MS: positiveInt().default(5_000),
  // Delivery attempts in flight at once in this instance (different endpoints or conversations).
  WEBHOOKS_CONCURRENCY: positiveInt().default(32),
  // First retry delay after a failed attempt, ms; each later delay doubles (exponential backoff).
  WEBHOOKS_RETRY_MIN_MS: durationMs().default(5_000),
  // Longest delay between two attempts, ms.
  WEBHOOKS_RETRY_MAX_MS: durationMs().default(HOUR_MS),
  // How long a delivery is retried after its first failed attempt before it goes to
  // wa.webhooks.failed, ms (default 25 h: at least 24 h, as the Standard Webhooks guidance suggests).
  WEBHOOKS_RETRY_PERIOD_MS: durationMs().default(25 * HOUR_MS),
  // An endpoint failing without a single success for this long is disabled (and an alert raised), ms.
  WEBHOOKS_DISABLE_AFTER_MS: durationMs().default(72 * HOUR_MS),
  // When a rotated-out secret stops signing, after the rotation, ms.
  WEBHOOKS_SECRET_GRACE_MS: durationMs().default(24 * HOUR_MS),
  // Hosts and CIDRs endpoints may resolve to although they are private, loopback, link-local or
  // unique-local (SSRF guard), comma-separated: "crm.internal,10.1.0.0/16,127.0.0.1".
  WEBHOOKS_ALLOW_HOSTS: csv().default([])
}).superRefine((cfg, ctx) => {
  const problem = adminTokenProblem(cfg.WEBHOOKS_HOST, cfg.WEBHOOKS_ADMIN_TOKEN)
  if (problem) ctx.addIssue({ code: 'custom', path: ['WEBHOOKS_ADMIN_TOKEN'], message: problem })
  if (cfg.WEBHOOKS_TIMEOUT_MS >= cfg.SHUTDOWN_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['WEBHOOKS_TIMEOUT_MS'], message: 'must be below SHUTDOWN_TIMEOUT_MS, so attempts in flight finish during shutdown' })
  }
  if (cfg.WEBHOOKS_RETRY_MIN_MS > cfg.WEBHOOKS_RETRY_MAX_MS) {
    ctx.addIssue({ code: 'custom', path: ['WEBHOOKS_RETRY_MIN_MS'], message: 'must not exceed WEBHOOKS_RETRY_MAX_MS' })
  }
})

export type WebhooksConfig = z.output<typeof ConfigSchema>

/** Parses and validates the webhooks environment; throws ConfigError naming every bad variable. */
export function loadConfig (env: Record<string, string | undefined>): WebhooksConfig {
  return parseEnv(ConfigSchema, env)
}
