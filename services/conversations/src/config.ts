import { z } from 'zod'
import { durationMs, kafkaEnv, loggingEnv, parseEnv, port, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'

/** Conversations service configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the windows API, /healthz, /readyz and /openapi.json.
  CONVERSATIONS_PORT: port().default(8088),
  // Address the HTTP server binds to.
  CONVERSATIONS_HOST: z.string().default('127.0.0.1'),
  // Bearer token of /v1/*; a secret (also CONVERSATIONS_ADMIN_TOKEN_FILE). Enforced whenever set. Unset and
  // CONVERSATIONS_HOST not loopback: /v1/* answer 403 (the keeper goes on). /healthz, /readyz, /openapi.json stay open.
  CONVERSATIONS_ADMIN_TOKEN: secret(z.string().min(1)).optional(),

  // Windows
  // Consumer group of every window keeper on the inbound messages and statuses topics (default "<TOPIC_PREFIX>.conversations.windows").
  // Egress and the API start their window trackers from this group's offsets.
  WINDOWS_GROUP_ID: z.string().min(1).optional(),
  // How often windows whose customer service and free entry point windows both closed are tombstoned on
  // <TOPIC_PREFIX>.windows and dropped from memory, ms.
  WINDOWS_SWEEP_INTERVAL_MS: durationMs().min(1000).default(60_000),
  // Consumer group session timeout, ms: how fast a dead instance's partitions move to another.
  CONVERSATIONS_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000)
})

export type ConversationsConfig = z.output<typeof ConfigSchema> & { WINDOWS_GROUP_ID: string }

export function loadConfig (env: Record<string, string | undefined>): ConversationsConfig {
  const config = parseEnv(ConfigSchema, env)
  return Object.freeze({
    ...config,
    WINDOWS_GROUP_ID: config.WINDOWS_GROUP_ID ?? `${config.TOPIC_PREFIX}.conversations.windows`
  })
}
