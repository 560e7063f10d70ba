import { z } from 'zod'
import { durationMs, kafkaEnv, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'

const topicName = () => z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -')

/** Scheduler configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the scheduled-requests API, /healthz and /readyz.
  SCHEDULER_PORT: port().default(8086),
  // Address the HTTP server binds to.
  SCHEDULER_HOST: z.string().default('127.0.0.1'),
  // Bearer token of /v1/*; a secret (also SCHEDULER_ADMIN_TOKEN_FILE). Enforced whenever set. Unset and
  // SCHEDULER_HOST not loopback: /v1/* answer 403 (releasing goes on). /healthz, /readyz, /openapi.json stay open.
  SCHEDULER_ADMIN_TOKEN: secret(z.string().min(1)).optional(),

  // Kafka
  // Consumer group of all scheduler instances on the scheduled topic (default "<TOPIC_PREFIX>.scheduler").
  SCHEDULER_GROUP_ID: z.string().min(1).optional(),
  // Topic of requests to hold (default <TOPIC_PREFIX>.outbound.scheduled; key phone_number_id).
  SCHEDULER_SCHEDULED_TOPIC: topicName().optional(),
  // Compacted topic of the pending requests, keyed by request id (default <TOPIC_PREFIX>.scheduler.pending).
  SCHEDULER_PENDING_TOPIC: topicName().optional(),
  // Consumer group session timeout, ms: how fast a dead instance's partitions move to another.
  SCHEDULER_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000),
  // Kafka transaction timeout of a partition's producer, ms.
  SCHEDULER_TRANSACTION_TIMEOUT_MS: durationMs().min(1000).default(30_000),

  // Releasing
  // Most pending requests this instance keeps in memory, shared by its partitions (the earliest due of each);
  // the rest stay only in Kafka and are found by rescans of the pending partition. Bounds memory whatever is pending.
  SCHEDULER_MAX_INDEXED: positiveInt().default(100_000),
  // Requests due further ahead than this are never kept in memory, ms (also bounds how stale the index gets).
  SCHEDULER_HORIZON_MS: durationMs().min(1000).default(15 * 60_000),
  // A partition rescans its pending topic this long before its in-memory index runs out, ms.
  SCHEDULER_RESCAN_LEAD_MS: durationMs().min(100).default(60_000),
  // Most requests released in one Kafka transaction.
  SCHEDULER_MAX_RELEASE_BATCH: positiveInt().default(2000),
  // Released and cancelled markers stay in the pending topic this long (a request id scheduled again
  // within it is not released again; a cancel within it answers 409 or 200), ms.
  SCHEDULER_MARKER_RETENTION_MS: durationMs().min(1000).default(7 * 24 * 3600_000),
  // How long DELETE /v1/scheduled/{id} waits for the partition's owner to cancel, ms (then 202).
  SCHEDULER_CANCEL_WAIT_MS: durationMs().min(100).default(15_000)
}).superRefine((c, ctx) => {
  if (c.SCHEDULER_RESCAN_LEAD_MS >= c.SCHEDULER_HORIZON_MS) {
    ctx.addIssue({ code: 'custom', path: ['SCHEDULER_RESCAN_LEAD_MS'], message: 'must be below SCHEDULER_HORIZON_MS' })
  }
})

export type SchedulerConfig = z.output<typeof ConfigSchema> & { SCHEDULER_GROUP_ID: string, SCHEDULER_SCHEDULED_TOPIC: string, SCHEDULER_PENDING_TOPIC: string }

export function loadConfig (env: Record<string, string | undefined>): SchedulerConfig {
  const config = parseEnv(ConfigSchema, env)
  const prefix = config.TOPIC_PREFIX
  return Object.freeze({
    ...config,
    SCHEDULER_GROUP_ID: config.SCHEDULER_GROUP_ID ?? `${prefix}.scheduler`,
    SCHEDULER_SCHEDULED_TOPIC: config.SCHEDULER_SCHEDULED_TOPIC ?? `${prefix}.outbound.scheduled`,
    SCHEDULER_PENDING_TOPIC: config.SCHEDULER_PENDING_TOPIC ?? `${prefix}.scheduler.pending`
  })
}
