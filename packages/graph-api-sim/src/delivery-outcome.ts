import { isUsNumber } from './marketing-preferences.ts'
import type { PhoneNumber } from './phone-numbers.ts'
import type { SimContext } from './sim-context.ts'
import type { TemplateCategory } from './templates.ts'

/** The catalogue's category of a template send, when the catalogue has that template. */
export function catalogueCategoryOf (ctx: SimContext, phone: PhoneNumber, template: Record<string, unknown>): TemplateCategory | undefined {
  const name = typeof template.name === 'string' ? template.name : ''
  const language = (template.language as { code?: unknown } | undefined)?.code
  return ctx.templates.find(phone.wabaId, name, typeof language === 'string' ? language : '').template?.category
}

/**
 * The category of a template send: the catalogue's, else a category configured for the name in the
 * status options (`templateCategories`); undefined for templates the sim knows nothing about (the
 * pricing default `templateCategory` does not make a template marketing here).
 */
export function templateCategoryOf (ctx: SimContext, phone: PhoneNumber, template: Record<string, unknown>): TemplateCategory | undefined {
  const name = typeof template.name === 'string' ? template.name : ''
  const found = catalogueCategoryOf(ctx, phone, template)
  if (found) return found
  const configured = ctx.settings.statuses.templateCategories[name]?.toUpperCase()
  return configured === 'MARKETING' || configured === 'UTILITY' || configured === 'AUTHENTICATION' ? configured : undefined
}

/**
 * The code of the `failed` status an accepted send ends in, or undefined when it is delivered as
 * usual. Only templates are judged here (a free-form message outside a window is refused at send time
 * with 131047 when windows are enforced: see handle-send.ts):
 * - a marketing template to a user who stopped marketing from this WABA: 131050;
 * - a marketing template to a US number (always), or to a user at the per-user marketing limit
 *   outside a customer service window: 131049;
 * - any template outside a window to a user the portfolio has not reached in the last 24 h, when the
 *   portfolio's messaging limit is reached: 131048 (the user is not counted).
 * A template delivered outside a window counts its user against the portfolio's limit; inside a
 * window nothing is counted. Users failed for 131049/131050 are not counted either (Meta counts
 * users delivered to).
 */
export function deliveryFailureOf (ctx: SimContext, phone: PhoneNumber, input: { type: string, waId: string, body: Record<string, unknown> }, now: number): number | undefined {
  if (input.type !== 'template') return undefined
  const category = templateCategoryOf(ctx, phone, input.body.template as Record<string, unknown>)
  const inWindow = ctx.windows.isOpen(phone.id, input.waId, now)
  if (category === 'MARKETING') {
    if (ctx.marketing.isOptedOut(phone.wabaId, input.waId)) return 131050
    if (ctx.settings.blockUsMarketing && isUsNumber(input.waId)) return 131049
    if (!inWindow && ctx.marketing.isLimited(input.waId)) return 131049
  }
  if (!inWindow && !ctx.limits.reach(ctx.limits.portfolioOf(phone.wabaId), input.waId, now)) return 131048
  return undefined
}
