/**
 * Plausible `x-app-usage` / `x-business-use-case-usage` headers. Values are integer percentages:
 * the business use case reports how full the number's one-second throughput window is; the app usage
 * reports calls in the rolling hour against `appCallsPerHour`.
 */
export interface UsageTracker {
  /** Counts one API call and returns the two headers for its response. */
  headersFor (input: { wabaId: string, windowCount: number, limit: number, throttled: boolean, now: number }): Record<string, string>
  clear (): void
}

const MINUTE = 60_000

export function createUsageTracker (appCallsPerHour: number): UsageTracker {
  // Calls per minute over the last hour, as (minute, count) pairs; old minutes fall off the front.
  let buckets: Array<{ minute: number, count: number }> = []

  function callsInLastHour (now: number): number {
    const minute = Math.floor(now / MINUTE)
    buckets = buckets.filter((b) => b.minute > minute - 60)
    const last = buckets[buckets.length - 1]
    if (last?.minute === minute) last.count++
    else buckets.push({ minute, count: 1 })
    return buckets.reduce((sum, b) => sum + b.count, 0)
  }

  return {
    headersFor ({ wabaId, windowCount, limit, throttled, now }) {
      const app = Math.min(100, Math.round((100 * callsInLastHour(now)) / appCallsPerHour))
      const buc = throttled ? 100 : Math.min(100, Math.round((100 * windowCount) / Math.max(1, limit)))
      return {
        'x-app-usage': JSON.stringify({ call_count: app, total_cputime: Math.round(app / 2), total_time: Math.round(app * 0.7) }),
        'x-business-use-case-usage': JSON.stringify({
          [wabaId]: [
            { type: 'whatsapp_business_management', call_count: 1, total_cputime: 1, total_time: 1, estimated_time_to_regain_access: 0 },
            { type: 'whatsapp', call_count: buc, total_cputime: Math.round(buc * 0.4), total_time: Math.round(buc * 0.6), estimated_time_to_regain_access: 0 }
          ]
        })
      }
    },
    clear () { buckets = [] }
  }
}
