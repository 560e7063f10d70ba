/**
 * Preload entry: `node --import @wabridge/telemetry/register main.js`. The one sanctioned
 * import-time side effect: the SDK must start before kafkajs is loaded so it can be instrumented.
 * It reads only standard variables (OTEL_SERVICE_NAME, OTEL_SDK_DISABLED,
 * OTEL_EXPORTER_OTLP_ENDPOINT) and PROMETHEUS_PORT / PROMETHEUS_HOST.
 */
import { setTelemetryHandle } from './handle.ts'
import { startTelemetry } from './telemetry.ts'

const env = process.env
const port = env.PROMETHEUS_PORT ? Number(env.PROMETHEUS_PORT) : undefined
setTelemetryHandle(await startTelemetry({
  serviceName: env.OTEL_SERVICE_NAME ?? 'wabridge',
  disabled: env.OTEL_SDK_DISABLED === 'true',
  ...(env.OTEL_EXPORTER_OTLP_ENDPOINT && { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT }),
  ...(port !== undefined && Number.isInteger(port) && { prometheusPort: port }),
  ...(env.PROMETHEUS_HOST && { prometheusHost: env.PROMETHEUS_HOST })
}))
