/**
 * Preload entry: `node --import @wabridge/telemetry/register main.js`. The one sanctioned
 * import-time side effect: the SDK starts before the application's modules load, so the http
 * instrumentation's require hook sees `node:http` being loaded (README.md, "The preload").
 * It reads only standard variables (OTEL_SERVICE_NAME, OTEL_SDK_DISABLED,
 * OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_NODE_ENABLED_INSTRUMENTATIONS) and PROMETHEUS_PORT / PROMETHEUS_HOST.
 */
import { z } from 'zod'
import { parseEnv, telemetryEnv } from '@wabridge/config'
import { ensureTelemetry } from './handle.ts'

const env = process.env
const port = env.PROMETHEUS_PORT ? Number(env.PROMETHEUS_PORT) : undefined
await ensureTelemetry(env.OTEL_SERVICE_NAME ?? 'wabridge', {
  OTEL_SDK_DISABLED: env.OTEL_SDK_DISABLED === 'true',
  OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
  // Checked as the services' config checks it: a name it does not know stops the process with the reason.
  OTEL_NODE_ENABLED_INSTRUMENTATIONS: parseEnv(z.object({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: telemetryEnv.OTEL_NODE_ENABLED_INSTRUMENTATIONS }), env).OTEL_NODE_ENABLED_INSTRUMENTATIONS,
  PROMETHEUS_PORT: port !== undefined && Number.isInteger(port) ? port : undefined,
  PROMETHEUS_HOST: env.PROMETHEUS_HOST || undefined
})
