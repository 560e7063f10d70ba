import { bearerToken, checkToken } from './check-token.ts'
import { metaError, type MetaErrorReply } from './meta-errors.ts'
import { businessNodeInfo } from './phone-number-info.ts'
import type { SimContext } from './sim-context.ts'

/**
 * WABA and business portfolio nodes. A token is checked like a send's: when a number of the WABAs
 * concerned has a configured token, one of those tokens is needed (190 otherwise); else any.
 */
export function checkBusinessToken (ctx: SimContext, authorization: string | undefined, wabaIds: readonly string[]): MetaErrorReply | undefined {
  const missing = checkToken(authorization, undefined)
  if (missing) return missing
  const tokens = ctx.phones.list().filter((p) => wabaIds.includes(p.wabaId) && p.token !== undefined).map((p) => p.token)
  if (tokens.length > 0 && !tokens.includes(bearerToken(authorization))) return metaError(190, { message: 'Invalid OAuth access token - Cannot parse access token' })
  return undefined
}

/**
 * `GET /{version}/{id}` for a WABA or portfolio the sim knows (from configured numbers, sends,
 * templates, portfolio and tier settings): `{ id, name }`, and the portfolio's
 * `whatsapp_business_manager_messaging_limit` when asked for. Undefined for any other id.
 */
export function businessNodeReply (ctx: SimContext, id: string, fields: string | undefined, authorization: string | undefined): { statusCode: number, body: unknown } | undefined {
  if (ctx.phones.isConfigured(id)) return undefined
  const now = ctx.now()
  let node: { wabaIds: string[], name: string, portfolioId: string } | undefined
  if (ctx.limits.isWaba(id)) node = { wabaIds: [id], name: `Sim WABA ${id}`, portfolioId: ctx.limits.portfolioOf(id) }
  else if (ctx.limits.isPortfolio(id)) node = { wabaIds: ctx.limits.info(id, now).wabaIds, name: `Sim business ${id}`, portfolioId: id }
  if (!node) return undefined
  const tokenError = checkBusinessToken(ctx, authorization, node.wabaIds)
  if (tokenError) return tokenError
  return { statusCode: 200, body: businessNodeInfo({ id, name: node.name, messagingLimitTier: ctx.limits.tierOf(node.portfolioId) }, fields) }
}
