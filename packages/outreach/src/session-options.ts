import { heartbeatIntervalFor } from '@wabridge/kafka'

/** Consumer options for a group session timeout (heartbeats at a tenth of it, as egress does); none = kafkajs' defaults. */
export function sessionOptions (sessionTimeoutMs: number | undefined): { sessionTimeoutMs?: number, heartbeatIntervalMs?: number } {
  return sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs, heartbeatIntervalMs: heartbeatIntervalFor(sessionTimeoutMs) }
}
