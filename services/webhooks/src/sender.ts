import { Agent, request } from 'undici'
import { AddressRefusedError, guardedLookup, literalRefusal, type AddressGuard, type Resolve } from './address-guard.ts'

export interface SendInput {
  url: string
  /** webhook-id, webhook-timestamp, webhook-signature. */
  headers: Record<string, string>
  body: string
}

/** What one attempt gave: ok only for a 2xx answer. */
export type SendOutcome =
  | { ok: true, status: number, durationMs: number }
  | { ok: false, status: number | null, error: string, isRefused: boolean, durationMs: number }

export interface Sender {
  send (input: SendInput): Promise<SendOutcome>
  close (): Promise<void>
}

export interface SenderOptions {
  /** Whole attempt (connect, send, answer), ms. */
  timeoutMs: number
  guard: AddressGuard
  /** Name resolution (tests resolve names to chosen addresses). Default dns.lookup. */
  resolve?: Resolve
  now?: () => number
}

/**
 * POSTs deliveries with undici. Redirects are never followed (a 3xx is a failed attempt: a redirect
 * could lead to an address the guard refuses), and every connection goes through the guarded lookup.
 */
export function createSender (options: SenderOptions): Sender {
  const now = options.now ?? Date.now
  const agent = new Agent({
    connect: { timeout: options.timeoutMs, lookup: guardedLookup(options.guard, options.resolve) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs
  })
  return {
    async send (input) {
      const started = now()
      const url = new URL(input.url)
      const refused = literalRefusal(options.guard, url)
      if (refused !== undefined) return { ok: false, status: null, error: refused, isRefused: true, durationMs: 0 }
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json', 'user-agent': 'wabridge-webhooks', ...input.headers },
          body: input.body,
          signal: AbortSignal.timeout(options.timeoutMs)
        })
        // Read (and drop) the answer so the connection can be reused.
        await res.body.dump({ limit: 64 * 1024 }).catch(() => {})
        const durationMs = now() - started
        if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode, durationMs }
        return { ok: false, status: res.statusCode, error: `HTTP ${res.statusCode}`, isRefused: false, durationMs }
      } catch (err) {
        const cause = (err as Error & { cause?: unknown }).cause
        const refusedErr = [err, cause].find((e) => e instanceof AddressRefusedError) as AddressRefusedError | undefined
        const message = refusedErr?.message ?? (err instanceof Error ? `${err.name}: ${err.message}` : String(err))
        return { ok: false, status: null, error: message, isRefused: refusedErr !== undefined, durationMs: now() - started }
      }
    },
    async close () { await agent.close() }
  }
}
