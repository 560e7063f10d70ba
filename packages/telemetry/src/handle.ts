import type { InstrumentationName } from '@wabridge/config'
import { startTelemetry, type TelemetryHandle } from './telemetry.ts'

let current: TelemetryHandle | undefined

/** Keeps the handle started by the preload (or by main.ts) so shutdownTelemetry() can find it. */
export function setTelemetryHandle (handle: TelemetryHandle): void {
  current = handle
}

/** The running telemetry handle, if any. */
export function getTelemetryHandle (): TelemetryHandle | undefined {
  return current
}

/** Flushes and stops telemetry started by the preload or setTelemetryHandle; a no-op otherwise. Call it last. */
export async function shutdownTelemetry (): Promise<void> {
  const handle = current
  current = undefined
  await handle?.shutdown()
}

/** The telemetry part of a service's parsed config (the shared `telemetryEnv` block). */
export interface TelemetryConfig {
  OTEL_SDK_DISABLED?: boolean
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined
  OTEL_NODE_ENABLED_INSTRUMENTATIONS?: readonly InstrumentationName[] | undefined
  PROMETHEUS_PORT?: number | undefined
  PROMETHEUS_HOST?: string | undefined
}

/**
 * Starts telemetry from a service's config unless the preload already did, and keeps the handle
 * for shutdownTelemetry(). Call it in main.ts before the app creates its meters.
 */
export async function ensureTelemetry (serviceName: string, config: TelemetryConfig): Promise<TelemetryHandle> {
  current ??= await startTelemetry({
    serviceName,
    disabled: config.OTEL_SDK_DISABLED ?? false,
    ...(config.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined && { otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }),
    ...(config.OTEL_NODE_ENABLED_INSTRUMENTATIONS !== undefined && { instrumentations: config.OTEL_NODE_ENABLED_INSTRUMENTATIONS }),
    ...(config.PROMETHEUS_PORT !== undefined && { prometheusPort: config.PROMETHEUS_PORT }),
    ...(config.PROMETHEUS_HOST !== undefined && { prometheusHost: config.PROMETHEUS_HOST })
  })
  return current
}
