/**
 * Response latency: fixed, uniform in [minMs, maxMs], or log-normal between minMs and maxMs (median
 * at their geometric mean, about 99.7 % of draws inside the range; the rest clamped to it).
 */
export type LatencyDistribution =
  | { kind: 'fixed', ms: number }
  | { kind: 'uniform', minMs: number, maxMs: number }
  | { kind: 'lognormal', minMs: number, maxMs: number }

function normal (random: () => number): number {
  // Box–Muller; 1 - random() keeps the log argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

/** Draws one latency in ms. */
export function sampleLatency (dist: LatencyDistribution, random: () => number): number {
  switch (dist.kind) {
    case 'fixed': return Math.max(0, dist.ms)
    case 'uniform': return dist.minMs + (dist.maxMs - dist.minMs) * random()
    case 'lognormal': {
      const lo = Math.max(1, dist.minMs)
      const hi = Math.max(lo, dist.maxMs)
      const mu = (Math.log(lo) + Math.log(hi)) / 2
      const sigma = (Math.log(hi) - Math.log(lo)) / 6
      return Math.min(hi, Math.max(lo, Math.exp(mu + sigma * normal(random))))
    }
  }
}
