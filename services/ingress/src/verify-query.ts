import { IngressError } from './errors.ts'

/** The parameters of Meta's verification handshake (GET /webhook), each given at most once. */
export interface VerifyQuery {
  mode: string | undefined
  token: string | undefined
  challenge: string | undefined
}

const NAMES = { mode: 'hub.mode', token: 'hub.verify_token', challenge: 'hub.challenge' } as const

/**
 * Reads the handshake parameters from a parsed query string. A parameter given twice
 * (`hub.mode=a&hub.mode=b`, which the query parser turns into an array) is INGRESS_QUERY_INVALID
 * (400): Meta never sends that, and which of the values counts would be a guess.
 */
export function parseVerifyQuery (query: unknown): VerifyQuery {
  const params = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>
  const out: Record<string, string | undefined> = {}
  for (const [field, name] of Object.entries(NAMES)) {
    const value = params[name]
    if (value !== undefined && typeof value !== 'string') throw new IngressError('INGRESS_QUERY_INVALID', `${name} must be given once`)
    out[field] = value
  }
  return out as unknown as VerifyQuery
}
