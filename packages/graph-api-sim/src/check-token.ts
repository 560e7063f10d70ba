import { metaError, type MetaErrorReply } from './meta-errors.ts'
import type { PhoneNumber } from './phone-numbers.ts'

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken (authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
  return m?.[1]
}

/**
 * Meta's code 190 (HTTP 401) for a missing token, or for a wrong one when the number has a
 * configured token (`phone` undefined: any non-empty token passes).
 */
export function checkToken (authorization: string | undefined, phone: PhoneNumber | undefined): MetaErrorReply | undefined {
  const token = bearerToken(authorization)
  if (token === undefined) return metaError(190, { message: 'An active access token must be used to query information about the current user.' })
  if (phone?.token !== undefined && token !== phone.token) return metaError(190, { message: 'Invalid OAuth access token - Cannot parse access token' })
  return undefined
}

/** A Graph API version path segment such as v23.0. */
export function isApiVersion (segment: string): boolean {
  return /^v\d+\.\d+$/.test(segment)
}
