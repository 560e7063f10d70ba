import { pino } from 'pino'
import { runPart } from '@wabridge/process'
import { createGraphApiSim } from './graph-api-sim.ts'
import { loadSimConfig, toSimOptions } from './env.ts'

await runPart({
  name: 'graph-api-sim',
  loadConfig: () => loadSimConfig(process.env),
  createLogger: (config, destination) => pino({ level: config.LOG_LEVEL, base: { service: 'graph-api-sim' } }, destination),
  createApp: (config, { logger }) => {
    const sim = createGraphApiSim({ ...toSimOptions(config), logger })
    return {
      async start () {
        await sim.start()
        logger.info({ url: sim.url, webhookUrl: config.SIM_WEBHOOK_URL ?? null, defaultMps: config.SIM_DEFAULT_MPS }, `graph api sim listening on ${sim.url}`)
      },
      stop: () => sim.stop()
    }
  }
})
