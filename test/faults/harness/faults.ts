import type { FaultBroker } from './broker.ts'
import type { SimFaultRule } from './sim-client.ts'
import type { Stack } from './stack.ts'
import { delay } from './wait.ts'

/** One fault of a run's schedule; `atMs` counts from the first request produced. */
export type ScheduledFault =
  | { atMs: number, kind: 'kill-egress', instance: string }
  | { atMs: number, kind: 'pause-egress', instance: string, durationMs: number }
  | { atMs: number, kind: 'pause-broker', durationMs: number, nodeId?: number }
  | { atMs: number, kind: 'restart-broker', nodeId?: number }
  | { atMs: number, kind: 'sim', label: string, rule: SimFaultRule }

/** A fault as it happened: what, when (epoch ms), and how it ended. */
export interface InjectedFault {
  /** A scheduled fault's kind, or 'kill-broker' (a test killing a partition leader itself). */
  kind: ScheduledFault['kind'] | 'kill-broker'
  target: string
  at: number
  /** When the fault was over: the process restarted and ready, the broker resumed. */
  endAt?: number
  detail: string
}

export interface FaultContext {
  stack: Stack
  broker: FaultBroker
  log: (line: string) => void
}

const targetOf = (f: ScheduledFault) =>
  f.kind === 'kill-egress' || f.kind === 'pause-egress' ? f.instance : f.kind === 'sim' ? 'simulator' : `broker ${f.nodeId ?? 1}`

/** Carries out one fault and resolves when it is over (the killed instance restarted, the stall ended). */
async function inject (f: ScheduledFault, ctx: FaultContext, record: InjectedFault): Promise<void> {
  switch (f.kind) {
    case 'kill-egress': {
      const part = ctx.stack.egress.get(f.instance)
      if (!part) throw new Error(`no egress instance ${f.instance}`)
      await part.kill()
      const outcome = await part.start()
      const after = `${((Date.now() - record.at) / 1000).toFixed(1)} s`
      record.detail = outcome === 'ready'
        ? `kill -9; started again, ready ${after} after the kill`
        : outcome === 'exited' ? `kill -9; started again, but it ended (killed again?) before it was ready, ${after} after the kill` : `kill -9; started again, NOT ready ${after} after the kill`
      return
    }
    case 'pause-egress': {
      const part = ctx.stack.egress.get(f.instance)
      if (!part) throw new Error(`no egress instance ${f.instance}`)
      await part.pause()
      record.detail = `SIGSTOP for ${f.durationMs} ms, then SIGCONT`
      await delay(f.durationMs)
      part.resume()
      return
    }
    case 'pause-broker':
      await ctx.broker.pause(f.nodeId ?? 1)
      record.detail = `SIGSTOP for ${f.durationMs} ms, then SIGCONT`
      await delay(f.durationMs)
      await ctx.broker.resume(f.nodeId ?? 1)
      return
    case 'restart-broker':
      record.detail = 'SIGTERM, then started on the same ports and state'
      await ctx.broker.restart(f.nodeId ?? 1)
      return
    case 'sim': {
      const { isSupported } = await ctx.stack.sim.addFault(f.rule)
      record.detail = isSupported ? `${f.label}: ${JSON.stringify(f.rule)}` : `${f.label}: NOT SUPPORTED by this simulator (rule dropped)`
    }
  }
}

/**
 * Runs the schedule from `startedAt`: each fault starts at its time (they may overlap) and is
 * recorded with its start and end. Resolves when every fault is over; a fault that fails is
 * recorded with the error and does not stop the others.
 */
export async function runSchedule (schedule: readonly ScheduledFault[], ctx: FaultContext, startedAt: number): Promise<InjectedFault[]> {
  const injected: InjectedFault[] = []
  await Promise.all(schedule.map(async (f) => {
    await delay(Math.max(0, startedAt + f.atMs - Date.now()))
    const record: InjectedFault = { kind: f.kind, target: targetOf(f), at: Date.now(), detail: '' }
    injected.push(record)
    ctx.log(`fault at +${((record.at - startedAt) / 1000).toFixed(1)} s: ${f.kind} ${record.target}`)
    try {
      await inject(f, ctx, record)
    } catch (err) {
      record.detail += ` FAILED: ${(err as Error).message}`
    }
    record.endAt = Date.now()
    ctx.log(`fault of +${((record.at - startedAt) / 1000).toFixed(1)} s over at +${((record.endAt - startedAt) / 1000).toFixed(1)} s: ${f.kind} ${record.target}: ${record.detail}`)
  }))
  return injected.sort((a, b) => a.at - b.at)
}
