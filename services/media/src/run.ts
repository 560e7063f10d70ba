import { runPart } from '@wabridge/process'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { loadConfig } from './config.ts'

await runPart({
  name: 'media',
  loadConfig: () => loadConfig(process.env),
  createLogger: (config, destination) => createLogger({ level: config.LOG_LEVEL, name: 'media', destination }),
  // The meter provider must exist before the app takes its meter; the preload may have started it already.
  startTelemetry: (config) => ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-media', config),
  stopTelemetry: shutdownTelemetry,
  // A Kafka failure the consumer cannot recover from is fatal: the edge stops the rest and exits 1.
  createApp: async (config, { logger, onFatal }) => (await import('./app.ts')).createMediaApp(config, { logger, onFatal })
})
