import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { createGraphApiSim, type GraphApiSim, type GraphApiSimOptions } from '../src/index.ts'

/** A simulator on 127.0.0.1 and a free port, stopped after the test. */
export async function startSim (t: TestContext, options: GraphApiSimOptions = {}): Promise<GraphApiSim> {
  const sim = createGraphApiSim({ host: '127.0.0.1', port: 0, ...options })
  await sim.start()
  t.after(() => sim.stop())
  return sim
}

/** A manual clock for deterministic limits. */
export function manualClock (start = 1_800_000_000_000): { now: () => number, set: (t: number) => void, advance: (ms: number) => void, get t (): number } {
  let t = start
  return { now: () => t, set: (v) => { t = v }, advance: (ms) => { t += ms }, get t () { return t } }
}

/** One webhook POST as received. */
export interface ReceivedWebhook {
  raw: Buffer
  signature: string | undefined
  contentType: string | undefined
  json: { object: string, entry: Array<{ id: string, changes: Array<{ field: string, value: Record<string, unknown> }> }> }
}

/**
 * A webhook receiver on port 0 that records every POST. `status(n)` decides the answer to the n-th
 * POST (0-based; default 200).
 */
export async function startReceiver (t: TestContext, status: (n: number) => number = () => 200): Promise<{ url: string, received: ReceivedWebhook[], attempts: () => number }> {
  const received: ReceivedWebhook[] = []
  let n = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const code = status(n++)
      const raw = Buffer.concat(chunks)
      if (code === 200) {
        received.push({ raw, signature: req.headers['x-hub-signature-256'] as string | undefined, contentType: req.headers['content-type'], json: JSON.parse(raw.toString('utf8')) })
      }
      res.writeHead(code).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`, received, attempts: () => n }
}

/** POSTs JSON to the sim (with a bearer token unless `token` is null); returns status, headers and parsed body. */
export async function post (url: string, body: unknown, token: string | null = 'tok'): Promise<{ status: number, headers: Headers, body: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (token !== null) headers.authorization = `Bearer ${token}`
  const res = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }
}

/** A valid text message body for `to`. */
export function textBody (to: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { messaging_product: 'whatsapp', to, type: 'text', text: { body: 'hello' }, ...extra }
}
