/**
 * Throughput upgrades in progress: while a number is in maintenance its sends are answered 131057
 * (Meta's "account in maintenance mode", up to about a minute), then its level and limit change.
 * Times are the sim's clock.
 */
export interface Upgrades {
  start (phoneNumberId: string, until: number): void
  inMaintenance (phoneNumberId: string, now: number): boolean
  end (phoneNumberId: string): void
  clear (): void
}

export function createUpgrades (): Upgrades {
  const until = new Map<string, number>()
  return {
    start (id, at) { until.set(id, at) },
    inMaintenance (id, now) {
      const end = until.get(id)
      return end !== undefined && now < end
    },
    end (id) { until.delete(id) },
    clear () { until.clear() }
  }
}
