/**
 * How long each subscription's endpoint has been failing without a success in between, in this
 * instance. After a restart it starts again from the first_failed_at of the deliveries that fail,
 * so the failing period survives restarts.
 */
export interface EndpointHealth {
  success (subscriptionId: string): void
  /** Records a failure of a delivery failing since `since`; returns how long the endpoint has been failing, ms. */
  failure (subscriptionId: string, since: number, now: number): number
  /** True while new deliveries of the subscription skip the direct attempt (it failed less than `quietMs` ago). */
  isCoolingDown (subscriptionId: string, now: number): boolean
}

export function createEndpointHealth (options: { quietMs: number }): EndpointHealth {
  const failingSince = new Map<string, number>()
  const lastFailure = new Map<string, number>()
  return {
    success (id) { failingSince.delete(id); lastFailure.delete(id) },
    failure (id, since, now) {
      const known = failingSince.get(id)
      const start = known === undefined ? since : Math.min(known, since)
      failingSince.set(id, start)
      lastFailure.set(id, now)
      return now - start
    },
    isCoolingDown (id, now) {
      const at = lastFailure.get(id)
      return at !== undefined && now - at < options.quietMs
    }
  }
}
