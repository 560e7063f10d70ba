import type { InjectedFault } from './faults.ts'
import type { AcceptedSend } from './sim-client.ts'
import type { ResultEntry, StartedMarker } from './topic-readers.ts'

/**
 * A kill -9 this soon after an instance wrote a request's "started" marker can fall between the
 * marker's commit and the HTTP call leaving: the one way a request that never left ends unknown
 * (no owner may send it again, and no status webhook will come to settle it).
 */
export const KILL_CUT_MS = 2000

export interface MeasureInput {
  requestIds: readonly string[]
  results: ReadonlyMap<string, ResultEntry>
  sends: readonly AcceptedSend[]
  /** Event ids of webhooks the ingress answered 200. */
  acknowledgedEvents: ReadonlySet<string>
  /** Event ids found in the ingress's topics. */
  eventsInKafka: ReadonlySet<string>
  faults: readonly InjectedFault[]
  /** How long after a kill the survivors' sends are examined, ms. */
  pauseWindowMs: number
  /** The last "started" marker of each request (egress's attempts topic). */
  markers: ReadonlyMap<string, StartedMarker>
}

/** A request that never left and ended unknown because its instance was killed right after its marker. */
export interface CutByKill { requestId: string, instance: string, markerAt: number, killAt: number }

/** Percentiles of a duration, ms. */
export interface Spread { count: number, p50: number, p99: number, max: number }

/** The longest pause in sending of the surviving instances after one kill. */
export interface PauseAfterKill {
  at: number
  killed: string
  survivors: string[]
  /** From the kill to the next fault that disturbs sending, the run's last send, or pauseWindowMs, whichever is first. */
  windowMs: number
  /** Sends of the survivors within the window. */
  sends: number
  /** null when no User-Agent names an instance, so survivors cannot be told apart. */
  longestPauseMs: number | null
  /** The longest pause ran into the next fault: it lasted at least longestPauseMs. */
  isCutShort: boolean
  /** Faults still going on at the kill that stop sending by themselves (a broker stall, a survivor paused): the pause is not the kill's alone. */
  during: string[]
}

export interface Measures {
  requests: number
  /** Requests with a final (non-settlement) result. */
  finalResults: number
  lost: number
  /** Lost requests the sim accepted: sent, but no result says so. */
  lostButAccepted: number
  /** Requests the sim accepted more than once (by biz_opaque_callback_data). */
  sentTwice: number
  /** Requests with more than one final result. */
  resultsTwice: number
  byStatus: Record<string, number>
  unknownBeforeSettlement: number
  unknownAfterSettlement: number
  /** Final `unknown` for a request the sim never accepted: it never left, so it should have been retried or failed. */
  unknownNeverAccepted: number
  /** Of unknownNeverAccepted: the instance that wrote its last "started" marker was killed (-9) within KILL_CUT_MS after it. */
  unknownCutByKill: number
  cutByKill: CutByKill[]
  /** From a "started" marker's timestamp to the sim accepting the send (the exposure to a kill), over the sends accepted once. */
  markerToAccept: Spread | null
  /** `accepted` (final or settled) for a request the sim never accepted. */
  acceptedNeverAccepted: number
  /** Final `failed` for a request the sim accepted (a customer got it; the producer was told it failed). */
  failedButAccepted: number
  acknowledgedWebhookEvents: number
  acknowledgedWebhooksLost: number
  /** Accepted sends with no request of this run (should be 0). */
  sendsNotRequested: number
  pausesAfterKills: PauseAfterKill[]
  /** Up to 5 request or event ids for each non-zero problem figure, to start looking from. */
  examples: Record<string, string[]>
}

/** `wabridge-egress (<name>)` → name. */
export function instanceOf (userAgent: string | undefined): string | undefined {
  return userAgent === undefined ? undefined : /\(([^)]+)\)\s*$/.exec(userAgent)?.[1]
}

/** Faults that stop or slow sending; a kill's window ends where the next one starts. */
const DISRUPTIVE = new Set<InjectedFault['kind']>(['kill-egress', 'pause-egress', 'pause-broker', 'restart-broker', 'kill-broker'])

function pausesAfterKills (input: MeasureInput): PauseAfterKill[] {
  const hasSenders = input.sends.some((s) => instanceOf(s.userAgent) !== undefined)
  const instances = [...new Set(input.sends.map((s) => instanceOf(s.userAgent)).filter((i) => i !== undefined))]
  const lastSend = input.sends.reduce((max, s) => Math.max(max, s.at), 0)
  return input.faults.filter((f) => f.kind === 'kill-egress').map((f) => {
    const survivors = instances.filter((i) => i !== f.target).sort()
    const during = input.faults
      .filter((g) => g !== f && g.at <= f.at && (g.endAt ?? Infinity) > f.at &&
        (g.kind === 'pause-broker' || g.kind === 'restart-broker' || g.kind === 'kill-broker' || (g.kind === 'pause-egress' && g.target !== f.target)))
      .map((g) => `${g.kind} ${g.target}`)
    const next = input.faults.filter((g) => g !== f && DISRUPTIVE.has(g.kind) && g.at > f.at).reduce((min, g) => Math.min(min, g.at), Infinity)
    const end = Math.min(f.at + input.pauseWindowMs, next, lastSend)
    const times = input.sends
      .filter((s) => s.at >= f.at && s.at <= end && survivors.includes(instanceOf(s.userAgent) ?? ''))
      .map((s) => s.at).sort((a, b) => a - b)
    let longest = 0
    let previous = f.at
    let isCutShort = false
    // The window's end counts as a send: a survivor that never sends again paused until then.
    for (const t of [...times, end]) {
      if (t - previous >= longest) {
        longest = t - previous
        isCutShort = t === end && end === next
      }
      previous = t
    }
    return {
      at: f.at, killed: f.target, survivors, windowMs: end - f.at, sends: times.length, longestPauseMs: hasSenders ? longest : null, isCutShort: hasSenders && isCutShort, during
    }
  })
}

function markerToAccept (input: MeasureInput, acceptedCount: ReadonlyMap<string, number>): Spread | null {
  const gaps: number[] = []
  for (const send of input.sends) {
    const marker = send.callbackData === undefined ? undefined : input.markers.get(send.callbackData)
    if (marker && acceptedCount.get(send.callbackData!) === 1) gaps.push(send.at - marker.at)
  }
  if (gaps.length === 0) return null
  gaps.sort((a, b) => a - b)
  const at = (q: number) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))]!
  return { count: gaps.length, p50: at(0.5), p99: at(0.99), max: gaps[gaps.length - 1]! }
}

/** The figures of a run, from what the simulator, Kafka and the webhook recorder saw. */
export function computeMeasures (input: MeasureInput): Measures {
  const acceptedCount = new Map<string, number>()
  for (const s of input.sends) if (s.callbackData !== undefined) acceptedCount.set(s.callbackData, (acceptedCount.get(s.callbackData) ?? 0) + 1)
  const requested = new Set(input.requestIds)
  const examples: Record<string, string[]> = {}
  const count = (name: string, ids: Iterable<string>) => {
    const list = [...ids]
    if (list.length > 0) examples[name] = list.slice(0, 5)
    return list.length
  }
  const byStatus: Record<string, number> = {}
  const lost: string[] = []
  const twice: string[] = []
  const unknown: string[] = []
  const stillUnknown: string[] = []
  const unknownNeverAccepted: string[] = []
  const acceptedNeverAccepted: string[] = []
  const failedButAccepted: string[] = []
  for (const id of input.requestIds) {
    const entry = input.results.get(id)
    const final = entry?.finals[0]
    if (!final) { lost.push(id); continue }
    if (entry.finals.length > 1) twice.push(id)
    byStatus[final.status] = (byStatus[final.status] ?? 0) + 1
    const accepted = acceptedCount.get(id) ?? 0
    const settled = entry.settlements.find((s) => s.settlement?.evidence === 'status_webhook')
    const outcome = final.status === 'unknown' && settled ? settled.status : final.status
    if (final.status === 'unknown') {
      unknown.push(id)
      if (!settled || settled.status === 'unknown') stillUnknown.push(id)
      if (accepted === 0) unknownNeverAccepted.push(id)
    }
    if (outcome === 'accepted' && accepted === 0) acceptedNeverAccepted.push(id)
    if (outcome === 'failed' && accepted > 0) failedButAccepted.push(id)
  }
  const kills = input.faults.filter((f) => f.kind === 'kill-egress')
  const cutByKill: CutByKill[] = []
  for (const requestId of unknownNeverAccepted) {
    const marker = input.markers.get(requestId)
    const kill = marker && kills.find((k) => k.target === marker.instance && k.at >= marker.at && k.at - marker.at <= KILL_CUT_MS)
    if (marker && kill) cutByKill.push({ requestId, instance: marker.instance, markerAt: marker.at, killAt: kill.at })
  }
  const webhooksLost = [...input.acknowledgedEvents].filter((e) => !input.eventsInKafka.has(e))
  return {
    requests: input.requestIds.length,
    finalResults: input.requestIds.length - lost.length,
    lost: count('lost', lost),
    lostButAccepted: lost.filter((id) => (acceptedCount.get(id) ?? 0) > 0).length,
    sentTwice: count('sentTwice', [...acceptedCount].filter(([, n]) => n > 1).map(([id]) => id)),
    resultsTwice: count('resultsTwice', twice),
    byStatus,
    unknownBeforeSettlement: count('unknownBeforeSettlement', unknown),
    unknownAfterSettlement: count('unknownAfterSettlement', stillUnknown),
    unknownNeverAccepted: count('unknownNeverAccepted', unknownNeverAccepted),
    unknownCutByKill: cutByKill.length,
    cutByKill,
    markerToAccept: markerToAccept(input, acceptedCount),
    acceptedNeverAccepted: count('acceptedNeverAccepted', acceptedNeverAccepted),
    failedButAccepted: count('failedButAccepted', failedButAccepted),
    acknowledgedWebhookEvents: input.acknowledgedEvents.size,
    acknowledgedWebhooksLost: count('acknowledgedWebhooksLost', webhooksLost),
    sendsNotRequested: count('sendsNotRequested', [...acceptedCount.keys()].filter((id) => !requested.has(id))),
    pausesAfterKills: pausesAfterKills(input),
    examples
  }
}
