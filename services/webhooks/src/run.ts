import { runPart } from '@wabridge/process'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { loadConfig } from './config.ts'

await runPart({
  name: 'webhooks',
  loadConfig: () => loadConfig(process.env),
  createLogger: (config, destination) => createLogger({ level: config.LOG_LEVEL, name: 'webhooks', destination }),
  startTelemetry: (config) => ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-webhooks', config),
  stopTelemetry: shutdownTelemetry,
  // Loaded after telemetry started, so node:http is instrumented before fastify uses it.
  createApp: async (config, { logger, onFatal }) => (await import('./app.ts')).createWebhooks(config, { logger, onFatal })
})
