import { createWebhookFactory } from '../../bench/ingress/webhooks.ts'

/** Signed webhooks POSTed in a closed loop (the ingress benchmark's realistic bodies). */
export interface WebhookLoad {
  readonly counts: { posts: number, ok: number, refused: number, failed: number }
  /** Ends the loop after the POSTs in flight. */
  stop (): Promise<void>
}

/**
 * Starts `concurrency` loops, each POSTing one webhook at a time to `url` (the webhook recorder,
 * which remembers what the ingress acknowledged). Every body is unique, so none is a duplicate.
 */
export function startWebhookLoad (url: string, secret: string, options: { concurrency: number }): WebhookLoad {
  const next = createWebhookFactory(secret)
  const counts = { posts: 0, ok: 0, refused: 0, failed: 0 }
  const state = { isStopping: false }

  async function loop (): Promise<void> {
    while (!state.isStopping) {
      const { body, signature } = next()
      counts.posts++
      try {
        const response = await fetch(url, {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature }, body, signal: AbortSignal.timeout(30_000)
        })
        await response.body?.cancel()
        if (response.status === 200) counts.ok++
        else counts.refused++
      } catch {
        counts.failed++
      }
    }
  }

  const loops = Array.from({ length: options.concurrency }, loop)
  return {
    counts,
    async stop () {
      state.isStopping = true
      await Promise.all(loops)
    }
  }
}
