import type { SimContext } from './sim-context.ts'

/**
 * Waits `ms` (forever when undefined) unless the sim stops first. Resolves true when the wait ran
 * out, false when stop() released it (the caller then drops the connection).
 */
export function hold (ctx: SimContext, ms: number | undefined): Promise<boolean> {
  if (ms !== undefined && ms <= 0) return Promise.resolve(true)
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined
    const done = (elapsed: boolean): void => {
      if (timer) clearTimeout(timer)
      ctx.holds.delete(release)
      resolve(elapsed)
    }
    const release = (): void => done(false)
    ctx.holds.add(release)
    if (ms !== undefined) timer = setTimeout(() => done(true), ms)
  })
}
