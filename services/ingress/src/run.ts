import { runPart } from '@wabridge/process'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { loadConfig } from './config.ts'

await runPart({
  name: 'ingress',
  loadConfig: () => loadConfig(process.env),
  createLogger: (config, destination) => createLogger({ level: config.LOG_LEVEL, name: 'ingress', destination }),
  startTelemetry: (config) => ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-ingress', config),
  stopTelemetry: shutdownTelemetry,
  // Loaded after telemetry started, so node:http is instrumented before fastify uses it; kafkajs is not
  // instrumented on purpose (packages/telemetry/README.md).
  createApp: async (config, { logger }) => (await import('./app.ts')).createIngress(config, { logger })
})
