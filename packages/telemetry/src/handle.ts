import type { TelemetryHandle } from './telemetry.ts'

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
