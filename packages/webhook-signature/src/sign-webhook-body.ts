import { createHmac } from 'node:crypto'

/** The prefix of Meta's `X-Hub-Signature-256` header value. */
export const SIGNATURE_PREFIX = 'sha256='

/**
 * The HMAC-SHA256 digest of `body`, keyed with the app secret (32 bytes). Strings are hashed as
 * their UTF-8 bytes; pass the exact bytes that go on the wire.
 */
export function computeWebhookDigest (body: Uint8Array | string, appSecret: string): Buffer {
  return createHmac('sha256', appSecret).update(body).digest()
}

/**
 * The `X-Hub-Signature-256` value Meta sends with a webhook: `sha256=` + lowercase hex of the
 * HMAC-SHA256 of the raw body bytes, keyed with the app secret.
 */
export function signWebhookBody (body: Uint8Array | string, appSecret: string): string {
  return SIGNATURE_PREFIX + computeWebhookDigest(body, appSecret).toString('hex')
}
