import { metrics, trace } from '@opentelemetry/api'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics'
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { INSTRUMENTATIONS, type InstrumentationName } from '@wabridge/config'

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
  /**
   * The instrumentations to run (OTEL_NODE_ENABLED_INSTRUMENTATIONS). Default: http and undici when
   * traces are exported (`otlpEndpoint`), none otherwise.
   */
  instrumentations?: readonly InstrumentationName[]
}

export interface TelemetryHandle {
  /** True when an SDK runs (some exporter was configured). */
  readonly enabled: boolean
  /** Names of the instrumentations the SDK runs (none when disabled). */
  readonly instrumentations: readonly string[]
  /** Where Prometheus scrapes, when enabled. */
  readonly prometheusUrl: string | undefined
  /** Flushes and stops exporters. Idempotent; a no-op when disabled. */
  shutdown(): Promise<void>
}

const noop: TelemetryHandle = { enabled: false, instrumentations: [], prometheusUrl: undefined, shutdown: async () => {} }

/**
 * Starts the OpenTelemetry Node SDK when an exporter is configured, and only then: telemetry is
 * off unless OTLP or Prometheus is asked for, and off means nothing is constructed (no server, no
 * timer, no global provider). Instruments http and undici; Kafka spans and trace propagation are
 * the project's own (`@wabridge/kafka` headers, `webhook receive`, `egress.deliver`).
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
  // kafkajs is left out on purpose: @wabridge/kafka's producer coalesces many requests' records into
  // one produce request and already writes each record's own traceparent; the kafkajs
  // instrumentation would overwrite it with a `send` span parented on whichever request scheduled
  // the batch, moving the other requests' records into a foreign trace (README.md, Telemetry).
  // http and undici run by default only when traces are exported: with Prometheus alone their spans
  // go nowhere, and they cost the ingress a third of its throughput (README.md, "What runs").
  const enabled = options.instrumentations ?? (options.otlpEndpoint !== undefined ? INSTRUMENTATIONS : [])
  const instrumentations = [
    ...(enabled.includes('http') ? [new HttpInstrumentation()] : []),
    ...(enabled.includes('undici') ? [new UndiciInstrumentation()] : [])
  ]
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    metricReaders: readers,
    // Without an OTLP endpoint no traces are exported (the SDK would otherwise default to localhost:4318).
    ...(options.otlpEndpoint !== undefined
      ? { traceExporter: new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }) }
      : { spanProcessors: [] }),
    instrumentations
  })
  sdk.start()
  let done = false
  return {
    enabled: true,
    instrumentations: instrumentations.map((i) => i.instrumentationName),
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
