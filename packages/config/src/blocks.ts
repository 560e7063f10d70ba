import { z } from 'zod'
import { bool, csv, durationMs, logLevel, secret } from './fields.ts'

/** Env vars every service shares for Kafka. */
export const kafkaEnv = {
  // Bootstrap brokers, comma-separated host:port. The local broker of `npm run kafka:start` by default.
  KAFKA_BROKERS: csv().default(['127.0.0.1:9092']),
  // Prefix of every topic name (wa → wa.inbound.messages, …); lets several gateways share a cluster.
  TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ -').default('wa'),
  // Kafka client id reported to the broker (defaults to the service name).
  KAFKA_CLIENT_ID: z.string().optional(),
  // Partitions of topics this service creates when missing. 12 lets up to 12 instances share the work.
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(12),
  // Replication factor of topics this service creates. 0 (the default) = automatic: 3 when the cluster
  // has at least 3 brokers (with min.insync.replicas 2), else 1, so a production cluster never gets RF 1 by omission.
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(0).default(0),
  // Allows topics with one replica on a cluster whose brokers are not on loopback when NODE_ENV=production
  // (refused otherwise: one broker lost = data lost). For a deliberate single-broker setup only.
  KAFKA_ALLOW_SINGLE_REPLICA: bool().default(false),
  // How often a crashed Kafka consumer is restarted within KAFKA_CONSUMER_RESTART_WINDOW_MS before the service
  // gives up and exits 1 (for its supervisor to restart it); 0 = the first crash is fatal.
  KAFKA_CONSUMER_MAX_RESTARTS: z.coerce.number().int().min(0).default(5),
  // The sliding window of KAFKA_CONSUMER_MAX_RESTARTS, ms.
  KAFKA_CONSUMER_RESTART_WINDOW_MS: durationMs().default(600_000),
  // Produce request encoder (@wabridge/kafka createKafkaClient reads it): wabridge = the one-pass encoder installed into
  // kafkajs, which refuses to start on a kafkajs version it was not verified against; kafkajs = kafkajs' own, untouched.
  KAFKA_PRODUCE_ENCODER: z.enum(['wabridge', 'kafkajs']).default('wabridge'),
  // Schema registry (Confluent API). When set, values use the Confluent wire format; else single-object encoding.
  // A secret (also read from SCHEMA_REGISTRY_URL_FILE): `user:password@` in it is sent as Basic auth.
  SCHEMA_REGISTRY_URL: secret(z.url()).optional()
}

/** Env vars for logs. */
export const loggingEnv = {
  // pino level.
  LOG_LEVEL: logLevel().default('info')
}

/** Env vars for graceful shutdown. */
export const shutdownEnv = {
  // How long SIGTERM may take before the process exits anyway; keep it below the orchestrator's grace period.
  SHUTDOWN_TIMEOUT_MS: durationMs().default(10_000)
}

/** The OpenTelemetry instrumentations a service can run (OTEL_NODE_ENABLED_INSTRUMENTATIONS). */
export const INSTRUMENTATIONS = ['http', 'undici'] as const
export type InstrumentationName = typeof INSTRUMENTATIONS[number]

/** "http,undici", "http", … or "none" (= []). */
const instrumentationList = () => z.string().transform((s, ctx): InstrumentationName[] => {
  const names = s.split(',').map((p) => p.trim()).filter((p) => p.length > 0)
  if (names.length === 1 && names[0] === 'none') return []
  const unknown = names.filter((n) => !(INSTRUMENTATIONS as readonly string[]).includes(n))
  if (names.length === 0 || unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `${unknown.length > 0 ? `unknown instrumentation ${unknown.join(', ')}: ` : ''}must be ${INSTRUMENTATIONS.join(', ')} (comma-separated) or none` })
    return z.NEVER
  }
  return [...new Set(names as InstrumentationName[])]
})

/** Env vars for OpenTelemetry. Standard OTEL_* variables are read by the SDK itself. */
export const telemetryEnv = {
  // Turns telemetry off entirely (the OpenTelemetry standard variable).
  OTEL_SDK_DISABLED: bool().default(false),
  // OTLP endpoint (http/protobuf); traces and metrics are exported there when set.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  // The instrumentations the SDK runs: "http" (node:http, incoming and outgoing), "undici" (fetch and
  // the Graph API client), comma-separated, or "none". Unset: both when traces are exported
  // (OTEL_EXPORTER_OTLP_ENDPOINT), none with Prometheus alone (their spans would go nowhere).
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: instrumentationList().optional(),
  // Port of this service's Prometheus /metrics endpoint; unset = no Prometheus endpoint.
  PROMETHEUS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Address the Prometheus endpoint binds to.
  PROMETHEUS_HOST: z.string().default('127.0.0.1')
}
