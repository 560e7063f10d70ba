import closeWithGrace from 'close-with-grace'
import { createLogger, ensureTelemetry, shutdownTelemetry } from '@wabridge/telemetry'
import { createIngress } from './app.ts'
import { loadConfig } from './config.ts'

const config = loadConfig(process.env)
// The preload (@wabridge/telemetry/register) may have started telemetry already; otherwise start it
// here, before the app creates its meter.
await ensureTelemetry(process.env.OTEL_SERVICE_NAME ?? 'wabridge-ingress', config)
const logger = createLogger({ level: config.LOG_LEVEL, name: 'ingress' })
const app = createIngress(config, { logger })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS, logger }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'ingress failed')
  else logger.info({ signal }, 'ingress stopping')
  await app.stop()
  await shutdownTelemetry()
})

// A failed start becomes an unhandled rejection: close-with-grace stops what started and exits 1.
void app.start()
