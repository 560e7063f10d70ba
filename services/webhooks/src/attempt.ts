import type { WebhookDelivery, WebhookSubscription } from '@wabridge/schemas'
import type { Sender, SendOutcome } from './sender.ts'
import { signatureHeader, signingSecrets } from './signature.ts'

/** The Standard Webhooks headers of one attempt at `now` (epoch ms), signed with every active secret. */
export function webhookHeaders (sub: WebhookSubscription, delivery: Pick<WebhookDelivery, 'webhook_id' | 'body'>, now: number): Record<string, string> {
  const timestampS = Math.floor(now / 1000)
  return {
    'webhook-id': delivery.webhook_id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': signatureHeader({ id: delivery.webhook_id, timestampS, body: delivery.body }, signingSecrets(sub, now))
  }
}

/** One attempt: sign with the subscription's current secrets and POST to its current URL. */
export async function attemptDelivery (sender: Sender, sub: WebhookSubscription, delivery: WebhookDelivery, now: number): Promise<SendOutcome> {
  return await sender.send({ url: sub.url, headers: webhookHeaders(sub, delivery, now), body: delivery.body })
}
