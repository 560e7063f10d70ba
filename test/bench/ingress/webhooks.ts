import { signWebhookBody } from '@wabridge/webhook-signature'

/** One webhook ready to send: the exact bytes and their X-Hub-Signature-256. */
export interface SignedWebhook { body: Buffer, signature: string }

const WABA_ID = '102290129340398'
const PHONE_NUMBER_IDS = ['106540352242922', '106540352242923', '106540352242924', '106540352242925']
const STATUSES = ['sent', 'delivered', 'read'] as const

/**
 * Realistic single-event webhooks, every one unique (so none is dropped as a duplicate): three
 * status updates for each inbound text message, as Meta's sizing advice assumes (3× outbound +
 * 1× inbound), spread over 4 business numbers and `customers` customers.
 */
export function createWebhookFactory (secret: string, options: { customers?: number, seed?: string } = {}): () => SignedWebhook {
  const customers = options.customers ?? 10_000
  const seed = options.seed ?? Math.random().toString(36).slice(2, 8)
  let n = 0
  return () => {
    n++
    const phoneNumberId = PHONE_NUMBER_IDS[n % PHONE_NUMBER_IDS.length]!
    const customer = String(16505550000 + (n * 7919) % customers)
    const metadata = { display_phone_number: '15550783881', phone_number_id: phoneNumberId }
    const timestamp = String(Math.floor(Date.now() / 1000))
    const wamid = `wamid.HBgL${customer}FQIAEhgU${seed}${n.toString(16).padStart(12, '0').toUpperCase()}AA==`
    const value = n % 4 === 0
      ? {
          messaging_product: 'whatsapp',
          metadata,
          contacts: [{ profile: { name: 'Customer ' + (n % 1000) }, wa_id: customer }],
          messages: [{ from: customer, id: wamid, timestamp, type: 'text', text: { body: 'Hi! Is my order #' + n + ' on its way? Thanks \u00e1\u00e9' } }]
        }
      : {
          messaging_product: 'whatsapp',
          metadata,
          statuses: [{
            id: wamid,
            status: STATUSES[n % 3],
            timestamp,
            recipient_id: customer,
            biz_opaque_callback_data: `req-${seed}-${n}`,
            pricing: { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' }
          }]
        }
    const json = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: WABA_ID, changes: [{ value, field: 'messages' }] }] })
    // Meta escapes non-ASCII as \uXXXX; the signature covers these exact bytes.
    const body = Buffer.from(json.replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0')))
    return { body, signature: signWebhookBody(body, secret) }
  }
}
