/**
 * How long each subscription's endpoint has been failing without a success in between, in this
 * instance. After a restart it starts again from the first_failed_at of the deliveries that fail,
 * so the failing period survives restarts.
 */
export interface EndpointHealth {
  success (subscriptionId: string): void
  /**
   * Records a failure of a delivery failing since `since`; returns how long the endpoint has been
   * failing, ms. `shouldCoolDown`: the attempt got no HTTP answer (timeout, connection error, refused
   * address), the kind that costs a source batch its time; an endpoint that answers 5xx fast is tried
   * directly as before.
   */
  failure (subscriptionId: string, since: number, now: number, shouldCoolDown?: boolean): number
  /**
   * True while new deliveries of the subscription skip the direct attempt and are parked (the owner
   * of their retry partition tries them at once): for as long after the last unanswered attempt as the endpoint
   * had been failing before it, between `quietMs` and `maxQuietMs`. A hanging endpoint so holds up a
   * source batch (by one attempt's timeout) less and less often.
   */
  isCoolingDown (subscriptionId: string, now: number): boolean
}

export function createEndpointHealth (options: { quietMs: number, maxQuietMs: number }): EndpointHealth {
  const failingSince = new Map<string, number>()
  const lastFailure = new Map<string, number>()
  return {
    success (id) { failingSince.delete(id); lastFailure.delete(id) },
    failure (id, since, now, shouldCoolDown = true) {
      const known = failingSince.get(id)
      const start = known === undefined ? since : Math.min(known, since)
      failingSince.set(id, start)
      if (shouldCoolDown) lastFailure.set(id, now)
      return now - start
    },
    isCoolingDown (id, now) {
      const at = lastFailure.get(id)
      if (at === undefined) return false
      const quiet = Math.min(options.maxQuietMs, Math.max(options.quietMs, at - (failingSince.get(id) ?? at)))
      return now - at < quiet
    }
  }
}
