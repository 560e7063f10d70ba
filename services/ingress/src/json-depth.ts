const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * True when the JSON text `body` nests arrays and objects more than `maxDepth` deep (`[]` is depth 1).
 * One pass over the bytes without parsing, so that it is safe to run before JSON.parse and before
 * anything that walks the parsed value recursively (validation, serialization) could overflow the
 * stack. Brackets inside strings do not count; the text need not be valid JSON.
 */
export function exceedsJsonDepth (body: Uint8Array, maxDepth: number): boolean {
  let depth = 0
  let isInString = false
  for (let i = 0; i < body.length; i++) {
    const byte = body[i]
    if (isInString) {
      if (byte === BACKSLASH) i++
      else if (byte === QUOTE) isInString = false
    } else if (byte === QUOTE) {
      isInString = true
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > maxDepth) return true
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--
    }
  }
  return false
}
