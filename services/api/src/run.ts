import { runPart } from '@wabridge/process'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { loadConfig } from './config.ts'

await runPart({
  name: 'api',
  loadConfig: () => loadConfig(process.env),
  createLogger: (config, destination) => createLogger({ level: config.LOG_LEVEL, name: 'api', destination }),
  startTelemetry: (config) => ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-api', config),
  stopTelemetry: shutdownTelemetry,
  // A topic reader that crashed for good is fatal: the edge stops the rest and exits 1.
  createApp: async (config, { logger, onFatal }) => (await import('./app.ts')).createApi(config, { logger, onFatal })
})
