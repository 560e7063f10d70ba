import { z } from 'zod'
import { bool, csv, durationMs, kafkaEnv, keyValueList, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'
import { adminTokenProblem } from '@wabridge/process'
import { mediaStoreEnv } from '@wabridge/media-store'

/** Egress configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP (health, and the admin endpoints /numbers)
  // Port of /healthz, /readyz and the admin endpoints.
  EGRESS_PORT: port().default(8081),
  // Address the HTTP server binds to.
  EGRESS_HOST: z.string().default('127.0.0.1'),
  // Bearer token of the admin endpoints (GET /numbers, POST /numbers/:id/resume); required when EGRESS_HOST is not
  // loopback. Secret: or EGRESS_ADMIN_TOKEN_FILE.
  EGRESS_ADMIN_TOKEN: secret(z.string()).optional(),

  // Kafka
  // Consumer group of all egress instances (partitions of the requests topic are shared among them).
  // Default "<TOPIC_PREFIX>.egress", so gateways with different prefixes never share a group.
  EGRESS_GROUP_ID: z.string().min(1).optional(),
  // This instance's name in attempt markers, logs and the User-Agent of its Graph API calls. Default: egress-<random>.
  EGRESS_INSTANCE_ID: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').optional(),
  // How long the group waits for a silent instance before its partitions move to the others, ms (Kafka's
  // session.timeout.ms; the broker bounds it by group.min/max.session.timeout.ms, 6 s–30 min by default).
  // Heartbeats go out every tenth of it. Shorter: faster take-over after a crash; too short: GC pauses cost a rebalance.
  KAFKA_SESSION_TIMEOUT_MS: durationMs().default(10_000),
  // Kafka transaction timeout of the per-partition producers, ms (the broker aborts a transaction of a
  // crashed instance after it, unless a new owner fenced it first).
  EGRESS_TRANSACTION_TIMEOUT_MS: durationMs().default(60_000),

  // Graph API
  // Base URL of the Graph API; the simulator's under npm start.
  GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com'),
  // Graph API version used in paths.
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/, 'like v23.0').default('v23.0'),
  // Default access token (system-user token) for numbers without their own. Secret: or WA_ACCESS_TOKEN_FILE.
  WA_ACCESS_TOKEN: secret(z.string()).optional(),
  // Tokens per phone number id or WABA id: "106540352242922=EAAG…,102290129340398=EAAG…". Secret: or WA_ACCESS_TOKENS_FILE.
  WA_ACCESS_TOKENS: secret(keyValueList()).optional(),
  // Which WABA each phone number belongs to, for WABA-level tokens: "106540352242922=102290129340398".
  WA_PHONE_WABAS: keyValueList().optional(),
  // Most requests being attempted at once per instance (started marker being committed, or the Graph API call).
  GRAPH_MAX_IN_FLIGHT: positiveInt().default(1024),
  // Connections per Graph API origin (undici pool); also the most Graph API calls in flight, so that no call
  // waits in the pool after its started marker.
  GRAPH_CONNECTIONS: positiveInt().default(128),
  // Time to wait for response headers before the send counts as ambiguous, ms.
  GRAPH_TIMEOUT_MS: durationMs().default(15_000),

  // Throughput
  // Messages per second per phone number (Meta's default throughput is 80, inbound and outbound together).
  EGRESS_DEFAULT_MPS: positiveInt().default(80),
  // Overrides per phone number: "106540352242922=1000,107000000000001=20".
  EGRESS_MPS_OVERRIDES: keyValueList().optional(),
  // Messages per second of numbers at Meta's HIGH throughput level (read from GET /<id>?fields=throughput).
  EGRESS_HIGH_MPS: positiveInt().default(1000),
  // Coexistence numbers (WhatsApp Business app and Cloud API): fixed at 20 msg/s whatever Meta's level. "106540352242922,…".
  EGRESS_COEXISTENCE_NUMBERS: csv().optional(),
  // How often each number's throughput level is read from Meta, ms (also at start, on a THROUGHPUT_UPGRADE
  // webhook and after a 131057). 0 = only at start and on those events.
  EGRESS_THROUGHPUT_POLL_MS: durationMs().default(3_600_000),
  // How long a number pauses after 131057 (maintenance mode, e.g. a throughput upgrade), ms; then the same request is sent again.
  EGRESS_MAINTENANCE_PAUSE_MS: durationMs().default(60_000),
  // Subtract each number's observed inbound messages from its send budget (Meta counts both directions).
  EGRESS_COUNT_INBOUND: bool().default(true),
  // Extra spacing added to the one-second window, ms. Not needed with EGRESS_RATE_STAMP=response (a send
  // counts from Meta's answer, which follows Meta's count); with "send" it absorbs network jitter.
  EGRESS_WINDOW_MARGIN_MS: durationMs().default(0),
  // When a send counts against the rate: at Meta's answer ("response": never over the limit, costs latency/1 s
  // of throughput) or when it leaves ("send": fuller use, latency jitter may cause an occasional 130429).
  EGRESS_RATE_STAMP: z.enum(['response', 'send']).default('response'),

  // Retries
  // Attempts per request before a retryable error becomes final.
  EGRESS_MAX_ATTEMPTS: positiveInt().default(8),
  // First retry delay, ms (doubles each attempt, with jitter).
  EGRESS_RETRY_BASE_MS: durationMs().default(500),
  // Longest retry delay, ms.
  EGRESS_RETRY_MAX_MS: durationMs().default(60_000),

  // Circuit breakers
  // Stop a number, WABA or token's sends when Meta refuses one with an error that fails every later one (190,
  // 131031, 131042, 131048, 368, …): its requests stay in Kafka (not failed), an alert fires, one request
  // probes on a backoff. false: such refusals are final failures with a dead letter.
  EGRESS_BREAKERS: bool().default(true),
  // Wait before the first probe of an open breaker, ms; doubles after each failed probe.
  EGRESS_BREAKER_PROBE_BASE_MS: durationMs().default(30_000),
  // Longest wait between probes, ms (also caps the error's own wait, e.g. an hour for 131048).
  EGRESS_BREAKER_PROBE_MAX_MS: durationMs().default(15 * 60_000),
  // How often this instance publishes its numbers' states (breaker, rate, backlog) to wa.egress.numbers, ms.
  EGRESS_NUMBERS_PUBLISH_MS: durationMs().default(5000),

  // Flow control and commits
  // Requests buffered per partition before fetching from it pauses.
  EGRESS_MAX_BUFFERED_PER_PARTITION: positiveInt().default(5000),
  // How often committed offsets advance, ms.
  EGRESS_COMMIT_INTERVAL_MS: durationMs().default(1000),
  // A request produced twice (same request_id) within this window is sent once, ms: final results stay
  // known this long, also across a change of owner.
  EGRESS_DEDUP_WINDOW_MS: durationMs().default(5 * 60_000),
  // How long a new owner of a partition waits, at most, for the previous owner's sends in flight to get
  // their results before fencing it, ms (a graceful hand-over then leaves nothing in doubt).
  EGRESS_TAKEOVER_GRACE_MS: durationMs().default(3000),

  // Sends in doubt (may have reached Meta, no answer: timeout, 502/504 or a dropped connection after
  // sending, a crash between the started marker and the result) are never sent again.
  // How long after such a send its status webhook (which carries the request id) is waited for, ms;
  // without one by then the result is published as unknown.
  EGRESS_IN_DOUBT_WAIT_MS: durationMs().default(60_000),
  // How long an unknown result waits for a status webhook to settle it, ms; after that a settlement
  // record says it stays unknown.
  EGRESS_SETTLEMENT_WINDOW_MS: durationMs().default(24 * 3_600_000),
  // How far back each instance reads the statuses topic at start, to find the statuses of sends in doubt, ms.
  EGRESS_STATUS_WINDOW_MS: durationMs().default(15 * 60_000),
  // Statuses remembered at most (oldest dropped first; about 200 bytes each).
  EGRESS_STATUS_MAX_ENTRIES: positiveInt().default(1_000_000),

  // Customer service windows and templates (checked before a request's first attempt, without a Graph call)
  // A message that needs the customer service window (every type but template; not mark-as-read) to a customer
  // whose window is closed: "enforce" fails it (class outside_window, code 131047, no dead letter), "warn" sends it
  // and says so in the result's reason, "off" checks nothing (the window tracker is not started).
  EGRESS_WINDOW_MODE: z.enum(['enforce', 'warn', 'off']).default('enforce'),
  // Before refusing, how long egress waits, at most, for the window tracker to have read every inbound message
  // written until then (a bot's reply produced right after the user's message), ms; unconfirmed in time = sent.
  EGRESS_WINDOW_SYNC_MS: durationMs().default(2000),
  // Template sends of a number whose WABA is known (WA_PHONE_WABAS) and whose catalogue (wa.templates) holds that
  // WABA: "enforce" fails those the catalogue refuses (unknown, not approved, wrong parameter count; class
  // template_invalid, with a dead letter), "off" sends every template (Meta decides).
  EGRESS_TEMPLATE_CHECK: z.enum(['enforce', 'off']).default('enforce'),

  // Outbound media by reference (a media object with "store_uri" instead of id or link)
  // The media store (file:///dir or s3://bucket/prefix, as the media service's): store_uri values under it are read
  // from it (type and sha256 kept beside each file). Unset: only file:// URIs under EGRESS_MEDIA_FILE_ROOTS.
  MEDIA_STORE_URL: mediaStoreEnv.MEDIA_STORE_URL.optional(),
  // Endpoint of an S3-compatible store (MinIO, S3Proxy …); unset for AWS S3. Credentials: the AWS SDK's chain.
  MEDIA_S3_ENDPOINT: mediaStoreEnv.MEDIA_S3_ENDPOINT,
  // Region of the bucket.
  MEDIA_S3_REGION: mediaStoreEnv.MEDIA_S3_REGION,
  // Path-style bucket URLs (http://host/bucket/key), which most S3-compatible stores need.
  MEDIA_S3_FORCE_PATH_STYLE: mediaStoreEnv.MEDIA_S3_FORCE_PATH_STYLE,
  // Directories file:// store URIs may name (comma-separated absolute paths); a file elsewhere is refused.
  // Unset: file:// URIs are refused (s3:// ones need the media store).
  EGRESS_MEDIA_FILE_ROOTS: csv().optional(),
  // How long an uploaded file's media id is reused, ms (Meta keeps uploads 30 days); then it is uploaded again.
  EGRESS_MEDIA_ID_TTL_MS: durationMs().default(29 * 24 * 3_600_000)
}).superRefine((cfg, ctx) => {
  const problem = adminTokenProblem(cfg.EGRESS_HOST, cfg.EGRESS_ADMIN_TOKEN)
  if (problem) ctx.addIssue({ code: 'custom', path: ['EGRESS_ADMIN_TOKEN'], message: problem })
  for (const [number, value] of Object.entries(cfg.EGRESS_MPS_OVERRIDES ?? {})) {
    if (!/^\d+$/.test(number) || !/^\d+$/.test(value) || Number(value) < 1) {
      ctx.addIssue({ code: 'custom', path: ['EGRESS_MPS_OVERRIDES'], message: 'must be phone_number_id=messages_per_second pairs' })
      break
    }
  }
})

export type EgressConfig = z.output<typeof ConfigSchema> & { EGRESS_GROUP_ID: string }

export function loadConfig (env: Record<string, string | undefined>): EgressConfig {
  const config = parseEnv(ConfigSchema, env)
  return Object.freeze({ ...config, EGRESS_GROUP_ID: config.EGRESS_GROUP_ID ?? `${config.TOPIC_PREFIX}.egress` })
}
