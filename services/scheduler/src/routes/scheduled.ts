import type { FastifyInstance } from 'fastify'
import { ScheduledRequestError } from '../errors.ts'
import { RequestIdParamsSchema } from '../http-schemas.ts'
import type { PartitionStats } from '../partition-worker.ts'
import type { ScheduledApi, ScheduledState } from '../scheduled-api.ts'

const iso = (ms: number | null) => ms === null ? null : new Date(ms).toISOString()
const toJson = (s: ScheduledState) => ({ request_id: s.request_id, state: s.state, send_at: iso(s.send_at), at: iso(s.at), partition: s.partition })
const statsJson = (s: PartitionStats) => ({ ...s, next_due_at: iso(s.next_due_at), boundary: iso(s.boundary), last_scan_at: iso(s.last_scan_at) })

function requestId (params: unknown): string {
  const parsed = RequestIdParamsSchema.safeParse(params)
  if (!parsed.success) throw new ScheduledRequestError('SCHEDULER_BAD_REQUEST_ID', 'request_id must be 1 to 256 characters')
  return parsed.data.request_id
}

export async function scheduledRoutes (app: FastifyInstance, options: { api: ScheduledApi }): Promise<void> {
  const { api } = options
  app.get('/v1/scheduled', async () => {
    const partitions = api.list()
    const next = partitions.map((p) => p.next_due_at).filter((t) => t !== null).sort((a, b) => a - b)[0] ?? null
    return {
      partitions: partitions.map(statsJson),
      indexed: partitions.reduce((n, p) => n + p.indexed, 0),
      later: partitions.reduce((n, p) => n + p.later, 0),
      next_due_at: iso(next),
      // This process's memory: what the index costs (flat whatever is pending: docs/scheduling.md).
      memory: { rss_bytes: process.memoryUsage.rss(), heap_used_bytes: process.memoryUsage().heapUsed }
    }
  })
  app.get('/v1/scheduled/:request_id', async (request) => {
    const id = requestId(request.params)
    const state = await api.get(id)
    if (!state) throw new ScheduledRequestError('SCHEDULER_NOT_FOUND_REQUEST', `no scheduled request ${JSON.stringify(id)}`)
    return toJson(state)
  })
  app.delete('/v1/scheduled/:request_id', async (request, reply) => {
    const id = requestId(request.params)
    const answer = await api.cancel(id)
    switch (answer.outcome) {
      case 'not_found': throw new ScheduledRequestError('SCHEDULER_NOT_FOUND_REQUEST', `no scheduled request ${JSON.stringify(id)}`)
      case 'released': throw new ScheduledRequestError('SCHEDULER_ALREADY_RELEASED', `already released at ${iso(answer.state.at) ?? 'an unknown time'}: it cannot be cancelled`)
      case 'requested': return reply.code(202).send({ request_id: id, state: 'cancel_requested', send_at: null, at: null, partition: answer.partition })
      default: return toJson(answer.state)
    }
  })
}
