import { z } from 'zod'
import { durationMs, kafkaEnv, keyValueList, loggingEnv, parseEnv, port, positiveInt, shutdownEnv, telemetryEnv } from '@wabridge/config'

const HOUR_MS = 60 * 60 * 1000

/** HTTP API configuration; keys are the environment variable names. */
export const ConfigSchema = z.object({
  ...kafkaEnv,
  ...loggingEnv,
  ...shutdownEnv,
  ...telemetryEnv,

  // HTTP
  // Port of the API, /openapi.json, /healthz and /readyz.
  API_PORT: port().default(8083),
  // Address the server binds to; loopback unless a proxy or load balancer must reach it.
  API_HOST: z.string().min(1).default('127.0.0.1'),
  // Largest request body accepted, bytes; larger → 413.
  API_MAX_BODY_BYTES: positiveInt().default(256 * 1024),
  // Retry-After of 503 answers, seconds.
  API_RETRY_AFTER_S: positiveInt().default(5),

  // Tenancy
  // Which WABA each phone number belongs to (the format egress reads): "106540352242922=102290129340398".
  // A key scoped to a WABA may use exactly the numbers mapped to it here.
  WA_PHONE_WABAS: keyValueList().optional(),
  // Compacted topic of the API keys (default <TOPIC_PREFIX>.api.keys); `wabridge keys` writes it.
  API_KEYS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -').optional(),

  // Producing
  // How long a POST waits for Kafka to acknowledge its request before the answer is 503, ms.
  API_PRODUCE_TIMEOUT_MS: positiveInt().default(5000),
  // How long the producer keeps retrying one batch (the sum of its backoffs), ms.
  API_PRODUCE_MAX_RETRY_MS: positiveInt().default(10_000),

  // The view of request states (read from the requests, results and statuses topics on every instance)
  // How far back the view reads at start and how long it keeps a request, ms.
  API_VIEW_WINDOW_MS: durationMs().min(60_000).default(24 * HOUR_MS),
  // Most requests the view keeps (memory bound, about 1 KB each); the oldest go first.
  API_VIEW_MAX_ENTRIES: positiveInt().default(200_000)
}).superRefine((cfg, ctx) => {
  if (cfg.API_PRODUCE_TIMEOUT_MS >= cfg.SHUTDOWN_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['API_PRODUCE_TIMEOUT_MS'], message: 'must be below SHUTDOWN_TIMEOUT_MS, so in-flight requests finish during shutdown' })
  }
})

export type ApiConfig = z.output<typeof ConfigSchema> & { API_KEYS_TOPIC: string }

/** Parses and validates the API's environment; throws ConfigError naming every bad variable. */
export function loadConfig (env: Record<string, string | undefined>): ApiConfig {
  const config = parseEnv(ConfigSchema, env)
  return Object.freeze({ ...config, API_KEYS_TOPIC: config.API_KEYS_TOPIC ?? `${config.TOPIC_PREFIX}.api.keys` })
}
