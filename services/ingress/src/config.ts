import { z } from 'zod'
import { bool, csv, durationMs, kafkaEnv, loggingEnv, parseEnv, port, positiveInt, secret, shutdownEnv, telemetryEnv } from '@wabridge/config'

/** Ingress configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the webhook endpoint and /healthz, /readyz.
  INGRESS_PORT: port().default(8080),
  // Address the server binds to; loopback unless a proxy or load balancer must reach it.
  INGRESS_HOST: z.string().min(1).default('127.0.0.1'),
  // Take the client address from X-Forwarded-For (only behind a proxy you trust).
  INGRESS_TRUST_PROXY: bool().default(false),
  // Largest webhook body accepted, bytes; larger → 413. Meta's limit is 3 MB, this is 3 MiB.
  MAX_BODY_BYTES: positiveInt().default(3 * 1024 * 1024),
  // Deepest nesting of arrays and objects in a webhook body; deeper → 400 (the signed body is still
  // archived). Meta's webhooks nest about 8 deep; the limit keeps recursive code off huge stacks.
  MAX_JSON_DEPTH: positiveInt().default(64),

  // Slow clients (slowloris) and connection count
  // Longest wait for a request's headers, ms; then 408 and the connection is closed.
  INGRESS_HEADERS_TIMEOUT_MS: durationMs().min(100).default(10_000),
  // Longest wait for a whole request, headers and body (up to MAX_BODY_BYTES), ms; then 408 and the
  // connection is closed, however steadily the client trickles. Not the time to answer (PRODUCE_TIMEOUT_MS).
  INGRESS_REQUEST_TIMEOUT_MS: durationMs().min(100).default(30_000),
  // How long an idle keep-alive connection stays open, ms. Above the 60 s idle timeout of common load
  // balancers, so the server is never the one closing a connection they are about to reuse.
  INGRESS_KEEP_ALIVE_TIMEOUT_MS: durationMs().min(100).default(72_000),
  // Most open connections; beyond it new ones are closed at once (each may buffer up to MAX_BODY_BYTES).
  INGRESS_MAX_CONNECTIONS: positiveInt().default(1024),

  // Meta (secrets: each may also be given as <NAME>_FILE, the path of a file holding it)
  // App secrets, comma-separated; a body signed with any of them is accepted (rotation, several apps).
  WA_APP_SECRETS: secret(csv()),
  // The verify token entered in the App Dashboard for the GET handshake.
  WA_VERIFY_TOKEN: secret(z.string().min(1)),

  // Producing
  // How long a webhook waits for Kafka to acknowledge its records before the answer is 503, ms.
  PRODUCE_TIMEOUT_MS: positiveInt().default(5000),
  // How long the producer keeps retrying one batch (the sum of its backoffs), ms. Longer than a
  // broker restart: a batch it gives up on may still be in Kafka, and Meta's retry then writes it twice.
  PRODUCE_MAX_RETRY_MS: positiveInt().default(60_000),
  // How long the Kafka client waits for a broker's answer to one request before trying again, ms.
  // A stalled broker holds each attempt this long, so a batch fails after at most about
  // PRODUCE_MAX_RETRY_MS + (PRODUCE_MAX_RETRY_MS / 1000 + 4) × this.
  PRODUCE_REQUEST_TIMEOUT_MS: positiveInt().default(30_000),
  // How long a produce batch waits for records of concurrent requests, ms (latency vs batch size).
  PRODUCE_LINGER_MS: durationMs().default(2),
  // Most records in one produce request.
  PRODUCE_MAX_BATCH_RECORDS: positiveInt().default(2000),
  // Most encoded record bytes waiting for Kafka's acks; beyond it webhooks get 503 at once (memory bound).
  PRODUCE_MAX_PENDING_BYTES: positiveInt().default(128 * 1024 * 1024),
  // Retry-After of 503 answers, seconds (Meta retries anyway; this paces other clients).
  RETRY_AFTER_S: positiveInt().default(5),

  // Dedup
  // How long an acknowledged event id is remembered to drop Meta's repeats, ms.
  DEDUP_TTL_MS: positiveInt().default(15 * 60_000),
  // Most event ids remembered (memory bound, about 150 bytes each); the oldest go first.
  DEDUP_MAX_ENTRIES: positiveInt().default(200_000)
}).superRefine((cfg, ctx) => {
  if (cfg.PRODUCE_TIMEOUT_MS >= cfg.SHUTDOWN_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['PRODUCE_TIMEOUT_MS'], message: 'must be below SHUTDOWN_TIMEOUT_MS, so in-flight webhooks finish during shutdown' })
  }
  if (cfg.INGRESS_HEADERS_TIMEOUT_MS > cfg.INGRESS_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['INGRESS_HEADERS_TIMEOUT_MS'], message: 'must not exceed INGRESS_REQUEST_TIMEOUT_MS (the headers are part of the request)' })
  }
})

export type IngressConfig = z.output<typeof ConfigSchema>

/** Parses and validates the ingress environment; throws ConfigError naming every bad variable. */
export function loadConfig (env: Record<string, string | undefined>): IngressConfig {
  return parseEnv(ConfigSchema, env)
}
