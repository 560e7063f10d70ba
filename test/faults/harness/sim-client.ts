/** One message the simulator accepted, as the fault measures need it. */
export interface AcceptedSend {
  /** biz_opaque_callback_data: the harness sets it to the request id. */
  callbackData: string | undefined
  phoneNumberId: string
  /** The sim's accept time, epoch ms (same machine clock as the harness). */
  at: number
  /** The sender's User-Agent, when the sim records it (egress names its instance there). */
  userAgent: string | undefined
}

/** A fault rule for the sim (see packages/graph-api-sim/README.md, "Fault rule examples"). */
export interface SimFaultRule {
  match?: { phoneNumberId?: string, to?: string, type?: string }
  probability?: number
  count?: number
  action: { type: string, [key: string]: unknown }
}

/** Counters of the sim's status webhooks and statuses not yet sent. */
export interface SimWebhookState { pendingStatuses: number, pendingEvents: number, inFlight: number, dropped: number, delivered: number }

/** The simulator's control API (`/_sim/*`) over HTTP. */
export interface SimClient {
  readonly url: string
  counts (): Promise<{ accepted: number, refused: number }>
  /**
   * Adds a rule and reads it back: a sim that does not know a field of the action drops it while
   * parsing, and the rule would then do something else. Such a rule is removed again and
   * `isSupported` is false.
   */
  addFault (rule: SimFaultRule): Promise<{ id: string | undefined, isSupported: boolean }>
  acceptedSends (): Promise<AcceptedSend[]>
  webhookState (): Promise<SimWebhookState>
}

async function json<T> (response: Response, what: string): Promise<T> {
  if (!response.ok) throw new Error(`simulator ${what}: HTTP ${response.status} ${await response.text()}`)
  return await response.json() as T
}

interface RawAccepted {
  phoneNumberId: string
  bizOpaqueCallbackData?: string
  acceptedAt: number
  userAgent?: string
}

const toSend = (m: RawAccepted): AcceptedSend => ({ callbackData: m.bizOpaqueCallbackData, phoneNumberId: m.phoneNumberId, at: m.acceptedAt, userAgent: m.userAgent })

export function createSimClient (url: string): SimClient {
  const get = async <T>(path: string): Promise<T> => await json<T>(await fetch(url + path), `GET ${path}`)

  return {
    url,
    counts: () => get('/_sim/counts'),
    async addFault (rule) {
      const { id } = await json<{ id: string }>(await fetch(`${url}/_sim/faults`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule)
      }), 'POST /_sim/faults')
      const { faults } = await get<{ faults: Array<SimFaultRule & { id: string }> }>('/_sim/faults')
      const stored = faults.find((f) => f.id === id)
      // A next-N rule that already fired N times is gone: it was applied as given.
      if (!stored) return { id, isSupported: true }
      const isSupported = Object.keys(rule.action).every((k) => k in stored.action)
      if (!isSupported) await fetch(`${url}/_sim/faults/${id}`, { method: 'DELETE' })
      return { id, isSupported }
    },
    async acceptedSends () {
      // Every accepted send without its body, one JSON object per line; a sim without /_sim/accepted
      // (before its per-send records) answers 404, and its messages (with bodies) serve instead.
      const response = await fetch(`${url}/_sim/accepted?format=ndjson`)
      if (response.status === 404) {
        await response.body?.cancel()
        const { messages } = await get<{ messages: RawAccepted[] }>('/_sim/messages?limit=100000000')
        return messages.map(toSend)
      }
      if (!response.ok) throw new Error(`simulator GET /_sim/accepted: HTTP ${response.status} ${await response.text()}`)
      return (await response.text()).split('\n').filter((line) => line.trim() !== '').map((line) => toSend(JSON.parse(line) as RawAccepted))
    },
    async webhookState () {
      const stats = await get<{ pendingStatuses: number, webhooks: { pendingEvents: number, inFlight: number, dropped: number, delivered: number } | null }>('/_sim/stats')
      const w = stats.webhooks ?? { pendingEvents: 0, inFlight: 0, dropped: 0, delivered: 0 }
      return { pendingStatuses: stats.pendingStatuses, pendingEvents: w.pendingEvents, inFlight: w.inFlight, dropped: w.dropped, delivered: w.delivered }
    }
  }
}
