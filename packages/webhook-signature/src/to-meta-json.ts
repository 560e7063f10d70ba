/**
 * Escapes every character outside printable ASCII (U+0000–U+007E) of a JSON text as `\uXXXX` with
 * lowercase hex, one escape per UTF-16 unit (so emoji become a surrogate pair), as Meta does in the
 * webhook bodies it signs. JSON.stringify already escapes control characters.
 */
export function escapeNonAscii (json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))
}

/**
 * Serializes a value the way Meta serializes webhook bodies: compact JSON with non-ASCII escaped as
 * lowercase `\uXXXX` (see escapeNonAscii). Whether Meta also escapes `/ < % @` for WhatsApp is
 * unconfirmed, so they are left as they are.
 */
export function toMetaJson (value: unknown): string {
  return escapeNonAscii(JSON.stringify(value))
}
