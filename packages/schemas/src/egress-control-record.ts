// The value of wa.egress.control, matching avro/egress-control.avsc field for field.

/** Symbols of the EgressCommand enum. */
export const EGRESS_COMMANDS = ['resume'] as const
export type EgressCommand = typeof EGRESS_COMMANDS[number]

/** An operator's command to every egress instance (topic wa.egress.control, key = target). */
export interface EgressControl {
  command_id: string
  command: EgressCommand
  /** A phone number id or a WABA id. */
  target: string
  requested_at: number
  requested_by: string | null
}
