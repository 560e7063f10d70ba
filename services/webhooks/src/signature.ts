import { createHmac, randomBytes } from 'node:crypto'
import type { WebhookSubscription } from '@wabridge/schemas'

/** Prefix of a Standard Webhooks secret; the rest is base64 of the key bytes. */
export const SECRET_PREFIX = 'whsec_'

/** A new signing secret: 'whsec_' + base64 of 32 random bytes (Standard Webhooks allows 24 to 64). */
export function generateSecret (): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64')
}

/** The key bytes of a secret (base64 after the prefix). */
export function secretKey (secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64')
}

/** The secrets of `subscription` that sign at `now`: every one not yet expired (rotation signs with old and new). */
export function signingSecrets (subscription: WebhookSubscription, now: number): string[] {
  return subscription.secrets.filter((s) => s.expires_at === null || s.expires_at > now).map((s) => s.secret)
}

export interface SignInput {
  /** The webhook-id header. */
  id: string
  /** The webhook-timestamp header, seconds since the epoch. */
  timestampS: number
  /** The exact body bytes sent. */
  body: string
}

/**
 * The webhook-signature header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for each secret,
 * separated by spaces (the Standard Webhooks format; receivers accept any one that verifies).
 */
export function signatureHeader (input: SignInput, secrets: readonly string[]): string {
  const signed = `${input.id}.${input.timestampS}.${input.body}`
  return secrets.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signed, 'utf8').digest('base64')}`).join(' ')
}
