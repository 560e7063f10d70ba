import { randomFillSync } from 'node:crypto'

/** Random bytes from a pool refilled 4 KiB at a time: one call into OpenSSL per ~240 ids instead of two per id. */
const pool = Buffer.alloc(4096)
let poolAt = pool.length
function randomBytes (n: number): Buffer {
  if (poolAt + n > pool.length) { randomFillSync(pool); poolAt = 0 }
  poolAt += n
  return pool.subarray(poolAt - n, poolAt)
}

/**
 * A message id shaped like Meta's: `wamid.` + base64 of a small protobuf-like record holding the
 * user's wa_id and a random 18-hex-digit key (e.g. `wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5…AA==`).
 */
export function createWamid (waId: string): string {
  const digits = Buffer.from(waId.replace(/\D/g, '').slice(0, 20) || '0')
  const key = Buffer.from(randomBytes(9).toString('hex').toUpperCase())
  const bytes = Buffer.concat([
    Buffer.from([0x1c, 0x18, digits.length]), digits,
    Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, key.length]), key,
    Buffer.from([0x00])
  ])
  return 'wamid.' + bytes.toString('base64')
}

/** A trace id like Meta's `fbtrace_id` (11 url-safe characters). */
export function createTraceId (): string {
  return randomBytes(8).toString('base64url').slice(0, 11)
}

/** The wa_id Meta reports for a `to`: its digits (the sim does not rewrite numbers). */
export function toWaId (to: string): string {
  return to.replace(/\D/g, '')
}
