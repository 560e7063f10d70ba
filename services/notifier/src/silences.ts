import { randomUUID } from 'node:crypto'
import type { Alert, Codec, Silence, SilenceMatcher } from '@wabridge/schemas'
import type { WabridgeProducer } from '@wabridge/kafka'
import { alertLabels, matchesAll } from './matchers.ts'

export interface NewSilence {
  matchers: SilenceMatcher[]
  /** Default now. */
  startsAt?: number | undefined
  endsAt: number
  createdBy?: string | undefined
  comment?: string | undefined
}

export interface SilenceStore {
  /** Applies a record of the silences topic (null = tombstone). */
  apply(key: string, value: Silence | null): void
  /** True when an active silence matches the alert at `now`. */
  isSilenced(alert: Alert, now: number): boolean
  /** Every silence, newest first. */
  list(): Silence[]
  get(id: string): Silence | undefined
  /** Writes a new silence to Kafka (acknowledged) and applies it. */
  add(input: NewSilence): Promise<Silence>
  /** Writes the silence again with ends_at = now; undefined when there is no such silence. */
  expire(id: string): Promise<Silence | undefined>
}

export type SilenceState = 'pending' | 'active' | 'expired'

/** pending before starts_at, active until ends_at, then expired. */
export function silenceState (s: Silence, now: number): SilenceState {
  return now < s.starts_at ? 'pending' : now < s.ends_at ? 'active' : 'expired'
}

/**
 * The silences of wa.notifier.silences (read whole by every instance). Expiry needs no write:
 * a silence stops matching once the injected clock passes ends_at.
 */
export function createSilenceStore (options: { topic: string }, deps: { producer: WabridgeProducer, codec: Codec, clock: () => number }): SilenceStore {
  const silences = new Map<string, Silence>()
  const write = async (s: Silence) => {
    await deps.producer.send([{ topic: options.topic, key: s.id, value: await deps.codec.serialize(options.topic, 'Silence', s) }])
    silences.set(s.id, s)
    return s
  }
  return {
    apply (key, value) {
      if (value === null) silences.delete(key)
      else silences.set(value.id, value)
    },
    isSilenced (alert, now) {
      const labels = alertLabels(alert)
      for (const s of silences.values()) if (silenceState(s, now) === 'active' && matchesAll(s.matchers, labels)) return true
      return false
    },
    list: () => [...silences.values()].sort((a, b) => b.updated_at - a.updated_at),
    get: (id) => silences.get(id),
    add (input) {
      const now = deps.clock()
      return write({
        id: randomUUID(),
        matchers: input.matchers,
        starts_at: input.startsAt ?? now,
        ends_at: input.endsAt,
        created_by: input.createdBy ?? '',
        comment: input.comment ?? '',
        updated_at: now
      })
    },
    async expire (id) {
      const s = silences.get(id)
      if (!s) return undefined
      const now = deps.clock()
      if (s.ends_at <= now) return s
      return write({ ...s, ends_at: Math.max(now, s.starts_at), updated_at: now })
    }
  }
}
