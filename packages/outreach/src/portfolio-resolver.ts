/** Which WABA and business portfolio a sending number belongs to, from configuration. */
export interface PortfolioResolver {
  /** The number's WABA (WA_PHONE_WABAS), or undefined: the suppression scope is then 'phone:{id}'. */
  wabaOf(phoneNumberId: string): string | undefined
  /** The WABA's portfolio (WA_WABA_PORTFOLIOS), else the WABA itself (one portfolio per WABA). */
  portfolioOfWaba(wabaId: string): string
  /** The number's portfolio: through its WABA, else 'phone:{id}' (the number alone). */
  portfolioOf(phoneNumberId: string): string
}

/**
 * A resolver over two maps, e.g. WA_PHONE_WABAS (phone number id → WABA id) and WA_WABA_PORTFOLIOS
 * (WABA id → business portfolio id). Meta shares the messaging limit among every number of a
 * portfolio, so the mapping decides which numbers share the guard's count.
 */
export function createPortfolioResolver (o: { phoneWabas: Readonly<Record<string, string>>, wabaPortfolios: Readonly<Record<string, string>> }): PortfolioResolver {
  const wabaOf = (phoneNumberId: string) => Object.hasOwn(o.phoneWabas, phoneNumberId) ? o.phoneWabas[phoneNumberId] : undefined
  const portfolioOfWaba = (wabaId: string) => (Object.hasOwn(o.wabaPortfolios, wabaId) ? o.wabaPortfolios[wabaId] : undefined) ?? wabaId
  return {
    wabaOf,
    portfolioOfWaba,
    portfolioOf: (phoneNumberId) => { const waba = wabaOf(phoneNumberId); return waba === undefined ? `phone:${phoneNumberId}` : portfolioOfWaba(waba) }
  }
}
