import { runPart } from '@wabridge/process'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { loadConfig } from './config.ts'

await runPart({
  name: 'egress',
  loadConfig: () => loadConfig(process.env),
  createLogger: (config, destination) => createLogger({ level: config.LOG_LEVEL, name: 'egress', destination }),
  startTelemetry: (config) => ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-egress', config),
  stopTelemetry: shutdownTelemetry,
  // Loaded after telemetry started, so its HTTP calls are traced (undici's diagnostics channels); kafkajs is
  // not instrumented on purpose (packages/telemetry/README.md). A consumer that crashed
  // for good is fatal: the edge stops the rest and exits 1.
  createApp: async (config, { logger, onFatal }) => (await import('./app.ts')).createEgress(config, { logger, onFatal })
})
