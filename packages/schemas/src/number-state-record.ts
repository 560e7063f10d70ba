// The value of wa.egress.numbers, matching avro/number-state.avsc field for field.

/** Symbols of the NumberSendState enum. */
export const NUMBER_SEND_STATES = ['sending', 'open', 'probing'] as const
export type NumberSendState = typeof NUMBER_SEND_STATES[number]

/** Symbols of the RateSource enum. */
export const RATE_SOURCES = ['configured', 'override', 'meta', 'coexistence'] as const
export type RateSource = typeof RATE_SOURCES[number]

/** How an egress instance sends for one phone number (compacted topic wa.egress.numbers, key = phone_number_id). */
export interface NumberState {
  phone_number_id: string
  waba_id: string | null
  instance: string
  state: NumberSendState
  breaker_scope: string | null
  breaker_code: number | null
  breaker_reason: string | null
  open_since: number | null
  next_probe_at: number | null
  probes: number
  rate_mps: number
  rate_source: RateSource
  throughput_level: string | null
  backlog: number
  updated_at: number
}
