import { z } from 'zod'
import { csv, durationMs, kafkaEnv, keyValueList, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'

const topicName = () => z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -')

/** Campaigns configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the campaigns and suppressions API, /healthz, /readyz and /openapi.json.
  CAMPAIGNS_PORT: port().default(8087),
  // Address the HTTP server binds to.
  CAMPAIGNS_HOST: z.string().default('127.0.0.1'),
  // Bearer token of /v1/*; a secret (also CAMPAIGNS_ADMIN_TOKEN_FILE). Enforced whenever set. Unset and
  // CAMPAIGNS_HOST not loopback: /v1/* answer 403 (running campaigns go on).
  CAMPAIGNS_ADMIN_TOKEN: secret(z.string().min(1)).optional(),
  // Largest audience upload (CSV or NDJSON body), bytes.
  CAMPAIGNS_MAX_AUDIENCE_BYTES: positiveInt().default(64 * 1024 * 1024),
  // How long an HTTP command (create, start, pause, …) waits for the owning instance to apply it, ms.
  CAMPAIGNS_COMMAND_TIMEOUT_MS: durationMs().min(100).default(15_000),

  // Kafka
  // Consumer group of all campaigns instances (default "<TOPIC_PREFIX>.campaigns"); the owner of a commands
  // partition runs every campaign of the numbers keyed to it.
  CAMPAIGNS_GROUP_ID: z.string().min(1).optional(),
  // Compacted topic of the campaigns' state (default <TOPIC_PREFIX>.campaigns).
  CAMPAIGNS_TOPIC: topicName().optional(),
  // Compacted topic of the audiences (default <TOPIC_PREFIX>.campaigns.audience).
  CAMPAIGNS_AUDIENCE_TOPIC: topicName().optional(),
  // Commands to the owners, key = phone_number_id (default <TOPIC_PREFIX>.campaigns.commands; KAFKA_TOPIC_PARTITIONS partitions).
  CAMPAIGNS_COMMANDS_TOPIC: topicName().optional(),
  // Consumer group session timeout, ms: how fast a dead instance's campaigns move to another.
  CAMPAIGNS_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000),
  // Transaction timeout of an owner's producer (requests and campaign state in one transaction), ms.
  CAMPAIGNS_TRANSACTION_TIMEOUT_MS: durationMs().min(1000).default(60_000),

  // Pacing
  // Rate of a number egress has not published on <TOPIC_PREFIX>.egress.numbers, messages per second.
  CAMPAIGNS_DEFAULT_MPS: z.coerce.number().positive().default(80),
  // Part of a number's rate campaigns use when a campaign sets no rate cap (the rest stays for conversations).
  CAMPAIGNS_BULK_SHARE: z.coerce.number().gt(0).max(1).default(0.8),
  // Bulk requests in flight per number (released, no result yet) = bulk rate × this, ms: how much bulk
  // may wait in the requests topic at once.
  CAMPAIGNS_IN_FLIGHT_MS: durationMs().min(100).default(1000),
  // How often the owner releases and applies commands, ms (pause/resume/cancel take effect within this + a commit).
  CAMPAIGNS_TICK_MS: durationMs().min(10).default(100),
  // How often a running campaign's progress is written when nothing else changed it, ms.
  CAMPAIGNS_PROGRESS_INTERVAL_MS: durationMs().min(100).default(1000),
  // Region of national numbers in audiences whose campaign names none (ISO 3166 alpha-2, e.g. IT); unset = only international numbers.
  CAMPAIGNS_DEFAULT_REGION: z.string().regex(/^[A-Z]{2}$/, 'two capital letters, e.g. IT').optional(),

  // Graph API (optional): the template check before a campaign starts and the messaging tier of a number
  // Base URL of the Graph API; the simulator's under npm start.
  GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com'),
  // Graph API version used in paths.
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'like v23.0').default('v23.0'),
  // Default access token (as egress reads it); unset with WA_ACCESS_TOKENS unset: no template check, tiers from
  // configuration and webhooks only. Secret: or WA_ACCESS_TOKEN_FILE.
  WA_ACCESS_TOKEN: secret(z.string()).optional(),
  // Tokens per phone number id or WABA id (as egress reads them). Secret: or WA_ACCESS_TOKENS_FILE.
  WA_ACCESS_TOKENS: secret(keyValueList()).optional(),

  // Outreach (@wabridge/outreach): opt-outs and Meta's messaging limit
  // Phone number id → WABA id (the suppression scope; the business portfolio through WA_WABA_PORTFOLIOS).
  WA_PHONE_WABAS: keyValueList().optional(),
  // WABA id → business portfolio id (numbers of one portfolio share Meta's messaging limit); unset = one portfolio per WABA.
  WA_WABA_PORTFOLIOS: keyValueList().optional(),
  // Compacted suppression list (default <TOPIC_PREFIX>.suppressions).
  CAMPAIGNS_SUPPRESSIONS_TOPIC: topicName().optional(),
  // Compacted reach topic of the messaging-limit guard (default <TOPIC_PREFIX>.campaigns.reach).
  CAMPAIGNS_REACH_TOPIC: topicName().optional(),
  // Inbound texts that opt a user out (whole message, trimmed, case-folded).
  CAMPAIGNS_STOP_KEYWORDS: csv().default(['STOP', 'UNSUBSCRIBE', 'ANNULLA', 'DISISCRIVIMI']),
  // Part of a portfolio's messaging limit campaigns may use before they hold (0 < share ≤ 1).
  CAMPAIGNS_LIMIT_SHARE: z.coerce.number().gt(0).max(1).default(0.95),
  // Configured messaging tier per portfolio (portfolio=TIER_2K,…), used until Meta reports one.
  CAMPAIGNS_MESSAGING_TIERS: keyValueList().optional(),
  // Tier of a portfolio nobody names (TIER_250 is a new portfolio's; TIER_UNLIMITED turns the guard off).
  CAMPAIGNS_DEFAULT_TIER: z.string().min(1).default('TIER_250')
})

export type CampaignsConfig = z.output<typeof ConfigSchema> & {
  CAMPAIGNS_GROUP_ID: string
  CAMPAIGNS_TOPIC: string
  CAMPAIGNS_AUDIENCE_TOPIC: string
  CAMPAIGNS_COMMANDS_TOPIC: string
  CAMPAIGNS_SUPPRESSIONS_TOPIC: string
  CAMPAIGNS_REACH_TOPIC: string
}

export function loadConfig (env: Record<string, string | undefined>): CampaignsConfig {
  const config = parseEnv(ConfigSchema, env)
  const prefix = config.TOPIC_PREFIX
  return Object.freeze({
    ...config,
    CAMPAIGNS_GROUP_ID: config.CAMPAIGNS_GROUP_ID ?? `${prefix}.campaigns`,
    CAMPAIGNS_TOPIC: config.CAMPAIGNS_TOPIC ?? `${prefix}.campaigns`,
    CAMPAIGNS_AUDIENCE_TOPIC: config.CAMPAIGNS_AUDIENCE_TOPIC ?? `${prefix}.campaigns.audience`,
    CAMPAIGNS_COMMANDS_TOPIC: config.CAMPAIGNS_COMMANDS_TOPIC ?? `${prefix}.campaigns.commands`,
    CAMPAIGNS_SUPPRESSIONS_TOPIC: config.CAMPAIGNS_SUPPRESSIONS_TOPIC ?? `${prefix}.suppressions`,
    CAMPAIGNS_REACH_TOPIC: config.CAMPAIGNS_REACH_TOPIC ?? `${prefix}.campaigns.reach`
  })
}
