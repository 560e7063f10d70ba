import type { NumberState } from '@wabridge/schemas'
import type { Breaker } from './circuit-breakers.ts'
import type { NumberRate } from './throughput.ts'

export interface NumberStateInput {
  phoneNumberId: string
  wabaId: string | undefined
  instance: string
  /** The open breakers that stop the number (none: sending). */
  blockers: Breaker[]
  rate: NumberRate
  backlog: number
  now: number
}

/** The wa.egress.numbers record of a number: the breaker that decides (the one probing next last), rate and backlog. */
export function numberState (input: NumberStateInput): NumberState {
  const b = input.blockers.reduce<Breaker | undefined>((last, x) => (last === undefined || x.nextProbeAt > last.nextProbeAt ? x : last), undefined)
  return {
    phone_number_id: input.phoneNumberId,
    waba_id: input.wabaId ?? null,
    instance: input.instance,
    state: b === undefined ? 'sending' : input.blockers.some((x) => x.probing) ? 'probing' : 'open',
    breaker_scope: b?.scope ?? null,
    breaker_code: b?.code ?? null,
    breaker_reason: b?.reason ?? null,
    open_since: b?.since ?? null,
    next_probe_at: b?.nextProbeAt ?? null,
    probes: b?.probes ?? 0,
    rate_mps: input.rate.mps,
    rate_source: input.rate.source,
    throughput_level: input.rate.level ?? null,
    backlog: input.backlog,
    updated_at: input.now
  }
}
