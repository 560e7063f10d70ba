import type { SimContext } from './sim-context.ts'
import { createWamid } from './wamid.ts'

// Non-ASCII on purpose: webhook bodies then carry \uXXXX escapes, as Meta's do.
const BODIES = ['Hi, is my order on its way?', 'Grüße aus München 👋', 'Olá, preciso de ajuda com a fatura', 'こんにちは、予約を変更できますか？', 'Thanks!']
const NAMES = ['Ana', 'Jörg', 'Mia', 'Kenji', 'Zoë']

/**
 * Produces one inbound customer text message for a number: counted against its throughput
 * (Meta counts inbound and outbound together), opening the sender's customer service window,
 * recorded, and queued as a webhook.
 */
export function emitInbound (ctx: SimContext, phoneNumberId: string, from: string): void {
  const now = ctx.now()
  const phone = ctx.phones.get(phoneNumberId)
  const wamid = createWamid(from)
  const n = Number(from.replace(/\D/g, '').slice(-4)) || 0
  ctx.limiter.record(phone.id, now)
  ctx.windows.open(phone.id, from, now)
  ctx.recorder.add('inbound', { phoneNumberId: phone.id, from, wamid, at: now })
  ctx.webhooks?.enqueue({
    phone,
    kind: 'messages',
    item: { from, id: wamid, timestamp: String(Math.floor(now / 1000)), type: 'text', text: { body: BODIES[n % BODIES.length] as string } },
    contact: { profile: { name: NAMES[n % NAMES.length] as string }, wa_id: from }
  })
}
