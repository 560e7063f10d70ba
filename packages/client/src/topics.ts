/** The gateway's topics the client uses, for a prefix (docs/topics.md). */
export interface ClientTopics {
  inboundMessages: string
  inboundStatuses: string
  outboundRequests: string
  /** Requests whose send_at is later than now: the gateway's scheduler releases each to outboundRequests at its time. */
  outboundScheduled: string
  outboundResults: string
}

export function clientTopics (prefix: string): ClientTopics {
  return {
    inboundMessages: `${prefix}.inbound.messages`,
    inboundStatuses: `${prefix}.inbound.statuses`,
    outboundRequests: `${prefix}.outbound.requests`,
    outboundScheduled: `${prefix}.outbound.scheduled`,
    outboundResults: `${prefix}.outbound.results`
  }
}
