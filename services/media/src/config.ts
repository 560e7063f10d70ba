import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import { bool, csv, durationMs, kafkaEnv, keyValueList, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'
import { mediaStoreEnv } from '@wabridge/media-store'

/** Meta's media CDN host (observed in inbound media URLs); the Graph API's host is added to it. */
export const META_MEDIA_HOSTS = ['lookaside.fbsbx.com'] as const

/** Media worker configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,
  ...mediaStoreEnv,
  // Where media are stored: file:///absolute/dir or s3://bucket/prefix (default: .wabridge/media under the working directory).
  MEDIA_STORE_URL: mediaStoreEnv.MEDIA_STORE_URL.optional(),

  // HTTP
  // Port of /healthz, /readyz, /openapi.json and GET /v1/media/{media_id}.
  MEDIA_PORT: port().default(8089),
  // Address the HTTP server binds to.
  MEDIA_HOST: z.string().default('127.0.0.1'),
  // Bearer token of /v1/*; a secret (also MEDIA_ADMIN_TOKEN_FILE). Unset and MEDIA_HOST not loopback: /v1/* answer 403.
  MEDIA_ADMIN_TOKEN: secret(z.string().min(1)).optional(),

  // Kafka
  // Consumer group on the inbound messages topic (default "<TOPIC_PREFIX>.media"); also the prefix of the transactional ids.
  MEDIA_GROUP_ID: z.string().min(1).optional(),
  // Consumer group session timeout, ms.
  KAFKA_SESSION_TIMEOUT_MS: durationMs().min(6000).default(30_000),
  // Kafka transaction timeout of a partition's producer, ms (the broker aborts a crashed owner's open transaction after it).
  MEDIA_TRANSACTION_TIMEOUT_MS: durationMs().min(1000).default(60_000),
  // How long finished downloads wait to be published together (one transaction per partition), ms.
  MEDIA_COMMIT_INTERVAL_MS: durationMs().min(1).default(50),

  // Graph API
  // Base URL of the Graph API (GET /{media-id}); the simulator's under npm start.
  GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com'),
  // Graph API version used in paths.
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'like v23.0').default('v23.0'),
  // Default access token for numbers without their own. Secret: or WA_ACCESS_TOKEN_FILE.
  WA_ACCESS_TOKEN: secret(z.string()).optional(),
  // Tokens per phone number id or WABA id: "106540352242922=EAAG…,102290129340398=EAAG…". Secret: or WA_ACCESS_TOKENS_FILE.
  WA_ACCESS_TOKENS: secret(keyValueList()).optional(),
  // Which WABA each phone number belongs to, for WABA-level tokens: "106540352242922=102290129340398".
  WA_PHONE_WABAS: keyValueList().optional(),

  // Downloads
  // Hosts that may receive the access token (host, host:port or *.domain), comma-separated. Default: lookaside.fbsbx.com
  // and the host of GRAPH_API_BASE_URL. A download URL elsewhere fails with host_not_allowed.
  MEDIA_ALLOWED_HOSTS: csv().optional(),
  // Allow plain http:// downloads (tests and the local simulator only; the token would travel in clear).
  MEDIA_ALLOW_INSECURE_HTTP: bool().default(false),
  // Downloads running at once.
  MEDIA_CONCURRENCY: positiveInt().default(8),
  // Most messages taken from Kafka and not yet published (finished downloads wait for earlier ones of their partition).
  MEDIA_MAX_PENDING: positiveInt().default(1000),
  // Download attempts with a fresh URL (GET /{media-id}) after the webhook's own URL; then link_expired or download_failed.
  MEDIA_MAX_ATTEMPTS: positiveInt().default(4),
  // First backoff between attempts, ms (doubles, with jitter, capped at 30 s).
  MEDIA_RETRY_MIN_MS: durationMs().default(500),
  // Time to the response headers and between body chunks of a download, ms.
  MEDIA_DOWNLOAD_TIMEOUT_MS: durationMs().min(100).default(60_000),
  // InboundMedia records kept in memory for GET /v1/media/{media_id} (the newest).
  MEDIA_RECENT_MAX: positiveInt().default(10_000)
})

export type MediaConfig = z.output<typeof ConfigSchema> & { MEDIA_GROUP_ID: string, MEDIA_STORE_URL: string, MEDIA_ALLOWED_HOSTS: string[] }

export function loadConfig (env: Record<string, string | undefined>, cwd: string = process.cwd()): MediaConfig {
  const config = parseEnv(ConfigSchema, env)
  return Object.freeze({
    ...config,
    MEDIA_GROUP_ID: config.MEDIA_GROUP_ID ?? `${config.TOPIC_PREFIX}.media`,
    MEDIA_STORE_URL: config.MEDIA_STORE_URL ?? pathToFileURL(resolve(cwd, '.wabridge/media')).href,
    MEDIA_ALLOWED_HOSTS: config.MEDIA_ALLOWED_HOSTS ?? [...META_MEDIA_HOSTS, new URL(config.GRAPH_API_BASE_URL).hostname]
  })
}
