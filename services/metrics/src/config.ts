import { z } from 'zod'
import { csv, durationMs, kafkaEnv, keyValueList, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'
import { parseMessagingLimit } from './alerts/tiers.ts'

const percent = () => z.coerce.number().min(1).max(100)
const HOUR_MS = 60 * 60 * 1000

/** Metrics configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,
  // Prometheus /metrics of this service (brief: 127.0.0.1:9464); OTEL_SDK_DISABLED=true turns it off.
  PROMETHEUS_PORT: port().default(9464),

  // HTTP
  // Port of the query API, /healthz and /readyz.
  METRICS_PORT: port().default(8082),
  // Address the HTTP server binds to.
  METRICS_HOST: z.string().default('127.0.0.1'),
  // Bearer token of the query API (/v1/*); a secret (also METRICS_ADMIN_TOKEN_FILE). Enforced whenever
  // set. Unset and METRICS_HOST not loopback: the query API answers 403 (the service still runs: the
  // image binds 0.0.0.0 and alerting must not stop for a missing token). /healthz, /readyz stay open.
  METRICS_ADMIN_TOKEN: secret(z.string()).optional(),

  // Kafka and state
  // Consumer group of all metrics instances; also the prefix of their transactional ids.
  // Default "<TOPIC_PREFIX>.metrics", so gateways with different prefixes never share a group.
  METRICS_GROUP_ID: z.string().min(1).optional(),
  // Compacted changelog topic holding the state (default <TOPIC_PREFIX>.metrics.changelog).
  METRICS_CHANGELOG_TOPIC: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -').optional(),
  // How often state, alerts and offsets are committed (one transaction per partition), ms; also the query staleness.
  METRICS_FLUSH_INTERVAL_MS: durationMs().min(50).default(1000),
  // Longest wait for one flush before the tick moves on, ms.
  METRICS_FLUSH_TIMEOUT_MS: durationMs().min(100).default(30_000),
  // A partition with this many changed entries flushes before the interval ends.
  METRICS_FLUSH_MAX_RECORDS: positiveInt().default(5000),
  // Broker-side timeout of an open transaction, ms (must not exceed transaction.max.timeout.ms).
  METRICS_TRANSACTION_TIMEOUT_MS: durationMs().min(1000).default(60_000),
  // Consumer group session timeout, ms: how fast a dead instance's partitions move to another.
  METRICS_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000),
  // Input partitions folded concurrently.
  METRICS_PARTITIONS_CONCURRENTLY: positiveInt().default(4),
  // How long message, status, request and event ids are remembered for deduplication, ms.
  METRICS_DEDUP_TTL_MS: durationMs().min(60_000).default(72 * HOUR_MS),
  // Most dedup entries (ids and status lattices) held per owned input partition, about 24-35 bytes
  // each; when full the oldest 10 % go (a repeat older than them would count again).
  METRICS_DEDUP_MAX_ENTRIES: positiveInt().max(2 ** 27).default(150_000),

  // Throughput alert
  // Messages per second per phone number (Meta's default throughput).
  METRICS_DEFAULT_MPS: positiveInt().default(80),
  // Limits per phone number: "106540352242922=1000,107000000000001=20"; they win over THROUGHPUT_UPGRADE webhooks.
  METRICS_MPS_OVERRIDES: keyValueList()
    .refine((m) => Object.entries(m).every(([k, v]) => /^\d+$/.test(k) && /^[1-9]\d*$/.test(v)), 'must be phone_number_id=messages_per_second pairs')
    .optional(),
  // Window over which the send rate is averaged, ms.
  METRICS_RATE_WINDOW_MS: durationMs().min(1000).default(10_000),
  // Send rate, percent of the limit, that fires throughput_near_limit (resolves 10 points lower).
  METRICS_THROUGHPUT_ALERT_PCT: percent().default(90),
  // How long the send rate must stay at or above it before the alert fires, ms.
  METRICS_THROUGHPUT_FOR_MS: durationMs().default(60_000),

  // Other alerts
  // Window of the rate-limit error count, ms.
  METRICS_RATE_LIMIT_WINDOW_MS: durationMs().min(1000).default(60_000),
  // Rate-limit errors within the window that fire rate_limit_errors (resolves below half).
  METRICS_RATE_LIMIT_ERRORS_THRESHOLD: positiveInt().default(10),
  // x-business-use-case-usage percent that fires business_usage_high (resolves 10 points lower).
  METRICS_USAGE_ALERT_PCT: percent().default(80),
  // Shares of a portfolio's messaging limit that fire alerts, percent, comma-separated ("80,95"; one number is one
  // share): the lowest fires messaging_limit_near (warning), the highest messaging_limit_critical (critical), any
  // between messaging_limit_near_{pct}; each resolves 10 points below its share.
  METRICS_MESSAGING_LIMIT_ALERT_PCT: csv()
    .pipe(z.array(z.coerce.number<string>().min(1).max(100)).min(1, 'at least one percentage'))
    .transform((pcts) => [...new Set(pcts)].sort((a, b) => a - b))
    .default([80, 95]),
  // Messaging limit of portfolios no webhook told about: TIER_250, TIER_2K, … or a number; unset = no alert without a webhook.
  METRICS_DEFAULT_MESSAGING_LIMIT: z.string()
    .refine((v) => parseMessagingLimit(v) !== undefined, 'must be a tier (TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED) or a number')
    .optional(),
  // Messaging limits per business portfolio or WABA: "102290129340398=TIER_10K"; they win over webhooks (a portfolio's
  // own entry first, else the highest of its WABAs').
  METRICS_MESSAGING_LIMITS: keyValueList()
    .refine((m) => Object.values(m).every((v) => parseMessagingLimit(v) !== undefined), 'must be portfolio_or_waba_id=TIER_… (or a number) pairs')
    .optional(),
  // Phone number id → WABA id, as services/campaigns reads it ("106540352242922=102290129340398"): the portfolio of a
  // number whose WABA no webhook named yet.
  WA_PHONE_WABAS: keyValueList().optional(),
  // WABA id → business portfolio id (the WABAs of one portfolio share Meta's messaging limit, and its alerts); unset =
  // one portfolio per WABA, named by the WABA id.
  WA_WABA_PORTFOLIOS: keyValueList().optional(),
  // Webhook alerts (quality, account, template) resolve when no webhook confirmed them for this long, ms.
  METRICS_EVENT_ALERT_TTL_MS: durationMs().min(60_000).default(24 * HOUR_MS),

  // Cost
  // Directory of rate cards (one subdirectory per effective date with rates.csv, volume-tiers.csv, countries.csv;
  // packages/pricing/README.md); reloaded when a file changes. Unset = the example card (made-up figures).
  METRICS_RATE_CARD_DIR: z.string().min(1).optional()
})

export type MetricsConfig = z.output<typeof ConfigSchema> & { METRICS_GROUP_ID: string }

export function loadConfig (env: Record<string, string | undefined>): MetricsConfig {
  const config = parseEnv(ConfigSchema, env)
  return Object.freeze({ ...config, METRICS_GROUP_ID: config.METRICS_GROUP_ID ?? `${config.TOPIC_PREFIX}.metrics` })
}
