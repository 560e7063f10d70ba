import closeWithGrace from 'close-with-grace'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { loadConfig, type EgressConfig } from './config.ts'

let config: EgressConfig
try {
  config = loadConfig(process.env)
} catch (err) {
  // One clear line naming every bad variable (never its value), no stack trace.
  process.stderr.write(`egress: ${(err as Error).message}\n`)
  process.exit(1)
}
const logger = createLogger({ level: config.LOG_LEVEL, name: 'egress' })
await ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-egress', config)
// Loaded after telemetry started, so kafkajs and undici are instrumented.
const { createEgress } = await import('./app.ts')
const egress = createEgress(config, { logger, onFatal: () => process.kill(process.pid, 'SIGTERM') })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS + 2000, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error')
  else logger.info({ signal }, 'shutting down')
  await egress.stop(config.SHUTDOWN_TIMEOUT_MS)
  await shutdownTelemetry()
})

await egress.start()
