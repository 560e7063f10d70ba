import { timingSafeEqual } from 'node:crypto'
import { WebhookSignatureError } from './errors.ts'
import { computeWebhookDigest, SIGNATURE_PREFIX } from './sign-webhook-body.ts'

/** Why a signature was refused: no header, a header that is not `sha256=<64 hex>`, or no secret matched. */
export type SignatureFailureReason = 'missing' | 'malformed' | 'mismatch'

/** The outcome of verifyWebhookSignature; `secretIndex` says which secret matched (rotation, several apps). */
export type SignatureVerification =
  | { ok: true, secretIndex: number }
  | { ok: false, reason: SignatureFailureReason }

const HEX_DIGEST = /^[0-9a-f]{64}$/i

/**
 * Checks an `X-Hub-Signature-256` header against the HMAC-SHA256 of the **raw** body bytes, for each
 * of `secrets`, in constant time (every secret is tried, so the time does not depend on which one
 * matches). Never pass a re-serialized body: Meta escapes non-ASCII as `\uXXXX` and the bytes differ.
 * Hex case in the header is ignored. Throws WebhookSignatureError `WEBHOOK_SECRETS_EMPTY` when no
 * non-empty secret is given, since that is a configuration error, not a bad request.
 */
export function verifyWebhookSignature (
  body: Uint8Array,
  header: string | undefined,
  secrets: readonly string[]
): SignatureVerification {
  const usable = secrets.filter((s) => s.length > 0)
  if (usable.length === 0) throw new WebhookSignatureError('WEBHOOK_SECRETS_EMPTY', 'at least one non-empty app secret is required')
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' }
  const value = header.trim()
  if (!value.toLowerCase().startsWith(SIGNATURE_PREFIX)) return { ok: false, reason: 'malformed' }
  const hex = value.slice(SIGNATURE_PREFIX.length)
  if (!HEX_DIGEST.test(hex)) return { ok: false, reason: 'malformed' }
  const expected = Buffer.from(hex, 'hex')

  let secretIndex = -1
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i]
    if (secret === undefined || secret === '') continue
    // Both buffers are 32 bytes (SHA-256), which timingSafeEqual requires.
    if (timingSafeEqual(computeWebhookDigest(body, secret), expected) && secretIndex === -1) secretIndex = i
  }
  return secretIndex === -1 ? { ok: false, reason: 'mismatch' } : { ok: true, secretIndex }
}
