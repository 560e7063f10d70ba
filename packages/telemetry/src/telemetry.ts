import { metrics, trace } from '@opentelemetry/api'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'

export interface TelemetryOptions {
  serviceName: string
  /** Turns everything off (OTEL_SDK_DISABLED). */
  disabled?: boolean
  /** OTLP http/protobuf endpoint for traces and metrics (OTEL_EXPORTER_OTLP_ENDPOINT). */
  otlpEndpoint?: string
  /** Serve Prometheus /metrics on this port (0 = any free port). */
  prometheusPort?: number
  prometheusHost?: string
  /** Milliseconds between OTLP metric exports. Default 10000. */
  exportIntervalMs?: number
}

export interface TelemetryHandle {
  /** True when an SDK runs (some exporter was configured). */
  readonly enabled: boolean
  /** Where Prometheus scrapes, when enabled. */
  readonly prometheusUrl: string | undefined
  /** Flushes and stops exporters. Idempotent; a no-op when disabled. */
  shutdown(): Promise<void>
}

const noop: TelemetryHandle = { enabled: false, prometheusUrl: undefined, shutdown: async () => {} }

/**
 * Starts the OpenTelemetry Node SDK when an exporter is configured, and only then: telemetry is
 * off unless OTLP or Prometheus is asked for. Instruments http, undici and kafkajs (for kafkajs
 * this must happen before kafkajs is loaded, hence the preload entry `@wabridge/telemetry/register`).
 */
export async function startTelemetry (options: TelemetryOptions): Promise<TelemetryHandle> {
  if (options.disabled || (options.otlpEndpoint === undefined && options.prometheusPort === undefined)) return noop
  const readers: IMetricReader[] = []
  let prometheus: PrometheusExporter | undefined
  if (options.prometheusPort !== undefined) {
    prometheus = new PrometheusExporter({ port: options.prometheusPort, host: options.prometheusHost ?? '127.0.0.1', preventServerStart: true })
    await prometheus.startServer()
    readers.push(prometheus)
  }
  if (options.otlpEndpoint !== undefined) {
    const url = (signal: string) => `${options.otlpEndpoint!.replace(/\/$/, '')}/v1/${signal}`
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: url('metrics') }), exportIntervalMillis: options.exportIntervalMs ?? 10_000 }))
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    metricReaders: readers,
    // Without an OTLP endpoint no traces are exported (the SDK would otherwise default to localhost:4318).
    ...(options.otlpEndpoint !== undefined
      ? { traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }) }
      : { spanProcessors: [] }),
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation(), new KafkaJsInstrumentation()]
  })
  sdk.start()
  let done = false
  return {
    enabled: true,
    prometheusUrl: prometheus ? `http://${options.prometheusHost ?? '127.0.0.1'}:${prometheusPortOf(prometheus, options.prometheusPort!)}/metrics` : undefined,
    async shutdown () {
      if (done) return
      done = true
      await sdk.shutdown()
      metrics.disable()
      trace.disable()
    }
  }
}

function prometheusPortOf (exporter: PrometheusExporter, configured: number): number {
  // With port 0 the real port is only known from the server the exporter started.
  const server = (exporter as unknown as { _server?: { address(): { port: number } | string | null } })._server
  const address = server?.address()
  return typeof address === 'object' && address ? address.port : configured
}
