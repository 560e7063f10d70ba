import closeWithGrace from 'close-with-grace'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { createMetricsApp } from './app.ts'
import { loadConfig } from './config.ts'

const config = loadConfig(process.env)
const logger = createLogger({ level: config.LOG_LEVEL, name: 'metrics' })
// The meter provider must exist before the app takes its meter; the preload may have started it already.
await ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-metrics', config)
// A Kafka failure the consumer cannot recover from becomes an uncaught error: close-with-grace stops us with code 1.
const app = createMetricsApp(config, { logger, onFatal: (err) => setImmediate(() => { throw err }) })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'stopping after an error')
  else logger.info({ signal }, 'stopping')
  await app.stop()
  await shutdownTelemetry()
})

await app.start()
