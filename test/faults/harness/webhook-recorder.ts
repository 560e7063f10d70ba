import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * Sits between the simulator and the ingress: forwards each webhook POST unchanged (same bytes,
 * same signature), answers the sim with the ingress's answer, and remembers every event of a
 * webhook the ingress answered 200 — the events the gateway promised to have in Kafka. The sim
 * itself only counts its deliveries.
 */
export interface WebhookRecorder {
  /** Where the sim should POST (`SIM_WEBHOOK_URL`). */
  readonly url: string
  /** Event ids of acknowledged webhooks, as the ingress names them: `wamid:status` for statuses, the wamid for messages. */
  readonly acknowledged: ReadonlySet<string>
  /** When the ingress acknowledged each event (epoch ms; the last time, for an event sent again). */
  readonly acknowledgedAt: ReadonlyMap<string, number>
  readonly counts: { posts: number, ok: number, refused: number, failed: number }
  close (): Promise<void>
}

interface WebhookBody {
  entry?: Array<{ changes?: Array<{ value?: { statuses?: Array<{ id?: string, status?: string }>, messages?: Array<{ id?: string }> } }> }>
}

/** The ids of the statuses and messages a webhook body carries (the ingress's event-id headers). */
export function eventIdsOf (body: Buffer): string[] {
  const ids: string[] = []
  const payload = JSON.parse(body.toString('utf8')) as WebhookBody
  for (const entry of payload.entry ?? []) {
    for (const change of entry.changes ?? []) {
      for (const s of change.value?.statuses ?? []) if (s.id && s.status) ids.push(`${s.id}:${s.status}`)
      for (const m of change.value?.messages ?? []) if (m.id) ids.push(m.id)
    }
  }
  return ids
}

async function readBody (req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export async function startWebhookRecorder (ingressWebhookUrl: string): Promise<WebhookRecorder> {
  const acknowledged = new Set<string>()
  const acknowledgedAt = new Map<string, number>()
  const counts = { posts: 0, ok: 0, refused: 0, failed: 0 }

  async function forward (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    counts.posts++
    const headers: Record<string, string> = { 'content-type': String(req.headers['content-type'] ?? 'application/json') }
    const signature = req.headers['x-hub-signature-256']
    if (typeof signature === 'string') headers['x-hub-signature-256'] = signature
    let status: number
    let answer: string
    try {
      const response = await fetch(ingressWebhookUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) })
      status = response.status
      answer = await response.text()
    } catch (err) {
      counts.failed++
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`recorder: ingress unreachable: ${(err as Error).message}`)
      return
    }
    if (status === 200) {
      counts.ok++
      for (const id of eventIdsOf(body)) {
        acknowledged.add(id)
        acknowledgedAt.set(id, Date.now())
      }
    } else {
      counts.refused++
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(answer)
  }

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end()
      return
    }
    forward(req, res).catch((err: unknown) => {
      counts.failed++
      if (!res.headersSent) res.writeHead(500).end(String(err))
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    acknowledged,
    acknowledgedAt,
    counts,
    async close () {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
