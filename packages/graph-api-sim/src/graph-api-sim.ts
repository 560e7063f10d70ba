import type { AddressInfo } from 'node:net'
import { buildSimApp } from './build-sim-app.ts'
import { emitInbound } from './inbound-message.ts'
import { createInboundGenerators } from './inbound-generator.ts'
import type { GraphApiSimOptions } from './options.ts'
import { createSimContext } from './sim-context.ts'
import { createSimControl, type GraphApiSimControl } from './sim-control.ts'

/** A running (or startable) simulator: lifecycle plus the inspection and control API. */
export interface GraphApiSim extends GraphApiSimControl {
  /** Listens on host:port. */
  start (): Promise<void>
  /** Stops inbound runs, status timers and webhook delivery, drops held requests, closes the server. Idempotent. */
  stop (): Promise<void>
  /** Base URL, e.g. http://127.0.0.1:8090 (use as the client's baseUrl). Throws before start. */
  readonly url: string
  readonly port: number
}

/** Creates a Graph API simulator; nothing listens or runs until start(). */
export function createGraphApiSim (options: GraphApiSimOptions = {}): GraphApiSim {
  const ctx = createSimContext(options)
  const inbound = createInboundGenerators((phoneNumberId, from) => emitInbound(ctx, phoneNumberId, from))
  const control = createSimControl(ctx, inbound)
  let address: AddressInfo | undefined
  let stopped = false
  const app = buildSimApp(ctx, control, () => stopped, { host: options.host ?? '127.0.0.1', token: options.adminToken })

  return {
    ...control,
    async start () {
      await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 })
      address = app.server.address() as AddressInfo
      ctx.logger.debug({ url: `http://${address.address}:${address.port}` }, 'graph api sim listening')
    },
    async stop () {
      if (stopped) return
      stopped = true
      // Stop producing events first, then release held requests so close() does not wait on them.
      inbound.stopAll()
      ctx.timers.clear()
      for (const release of [...ctx.holds]) release()
      await app.close()
      await ctx.webhooks?.stop()
    },
    get url () {
      if (!address) throw Object.assign(new Error('sim not started'), { code: 'SIM_NOT_STARTED' })
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      return `http://${host}:${address.port}`
    },
    get port () {
      if (!address) throw Object.assign(new Error('sim not started'), { code: 'SIM_NOT_STARTED' })
      return address.port
    }
  }
}
