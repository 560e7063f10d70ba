import { z } from 'zod'
import { csv, durationMs, kafkaEnv, keyValueList, loggingEnv, parseEnv, port, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'

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
  CONVERSATIONS_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000),

  // Template catalogue (docs/conversations.md, "Template catalogue")
  // WABAs whose templates are synced, comma-separated, besides the values of WA_PHONE_WABAS.
  CONVERSATIONS_WABAS: csv().optional(),
  // Phone number id → WABA id (as egress reads it): its WABAs are synced too.
  WA_PHONE_WABAS: keyValueList().optional(),
  // How often every WABA's templates are listed again (GET /{waba}/message_templates, all pages), ms; 0 = only at
  // start and on POST /v1/templates/sync. Webhooks keep the catalogue current in between.
  CONVERSATIONS_TEMPLATE_SYNC_MS: durationMs().default(15 * 60_000),
  // Consumer group of the template webhooks on <TOPIC_PREFIX>.inbound.events (default "<TOPIC_PREFIX>.conversations.templates").
  CONVERSATIONS_TEMPLATES_GROUP_ID: z.string().min(1).optional(),
  // Graph API base URL and version of the template listing.
  GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com'),
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'like v23.0').default('v23.0'),
  // Default access token of the listing (as egress reads it). Secret: or WA_ACCESS_TOKEN_FILE. Without any token no
  // WABA is synced; template webhooks are still applied.
  WA_ACCESS_TOKEN: secret(z.string().min(1)).optional(),
  // Tokens per WABA id (or phone number id), as egress reads them. Secret: or WA_ACCESS_TOKENS_FILE.
  WA_ACCESS_TOKENS: secret(keyValueList()).optional()
})

export type ConversationsConfig = z.output<typeof ConfigSchema> & { WINDOWS_GROUP_ID: string }

export function loadConfig (env: Record<string, string | undefined>): ConversationsConfig {
  const config = parseEnv(ConfigSchema, env)
  return Object.freeze({
    ...config,
    WINDOWS_GROUP_ID: config.WINDOWS_GROUP_ID ?? `${config.TOPIC_PREFIX}.conversations.windows`
  })
}
