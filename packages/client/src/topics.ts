/** The gateway's topics the client uses, for a prefix (docs/topics.md). */
export interface ClientTopics {
  inboundMessages: string
  inboundStatuses: string
  outboundRequests: string
  outboundResults: string
}

export function clientTopics (prefix: string): ClientTopics {
  return {
    inboundMessages: `${prefix}.inbound.messages`,
    inboundStatuses: `${prefix}.inbound.statuses`,
    outboundRequests: `${prefix}.outbound.requests`,
    outboundResults: `${prefix}.outbound.results`
  }
}
