import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { createGraphApiSim } from './graph-api-sim.ts'
import { loadSimConfig, toSimOptions } from './env.ts'

const config = loadSimConfig(process.env)
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'graph-api-sim' } })
const sim = createGraphApiSim({ ...toSimOptions(config), logger })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'sim stopping after an error')
  else logger.info({ signal }, 'sim stopping')
  await sim.stop()
})

await sim.start()
logger.info({ url: sim.url, webhookUrl: config.SIM_WEBHOOK_URL ?? null, defaultMps: config.SIM_DEFAULT_MPS }, `graph api sim listening on ${sim.url}`)
