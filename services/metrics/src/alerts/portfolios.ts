import { createPortfolioResolver } from '@wabridge/outreach'

/**
 * Which business portfolio a WABA or a phone number belongs to. Meta's messaging limit is per
 * business portfolio since Oct 7, 2025 and shared by all of its numbers
 * (whatsapp-cloud-api-more.md §1.1); the mapping is configuration, as services/campaigns reads it:
 * WA_PHONE_WABAS (phone number id → WABA id) and WA_WABA_PORTFOLIOS (WABA id → portfolio id).
 */
export interface Portfolios {
  /** The WABA's portfolio (WA_WABA_PORTFOLIOS), else the WABA id itself (one portfolio per WABA). */
  portfolioOf(wabaId: string): string
  /**
   * The number's portfolio: through its WABA from WA_PHONE_WABAS, else from `wabaOf` (e.g. what
   * webhooks taught the metrics state); undefined when neither knows the number's WABA.
   */
  phonePortfolio(phoneNumberId: string, wabaOf: (phoneNumberId: string) => string | undefined): string | undefined
  /** The WABAs the configuration names (both variables), with their portfolios. */
  configuredWabas(): ReadonlyMap<string, string>
}

export interface PortfolioConfig {
  /** WA_PHONE_WABAS. */
  phoneWabas?: Readonly<Record<string, string>> | undefined
  /** WA_WABA_PORTFOLIOS. */
  wabaPortfolios?: Readonly<Record<string, string>> | undefined
}

/** Portfolios from the two maps; with neither, every WABA is its own portfolio. */
export function createPortfolios (config: PortfolioConfig = {}): Portfolios {
  const phoneWabas = config.phoneWabas ?? {}
  const wabaPortfolios = config.wabaPortfolios ?? {}
  const resolver = createPortfolioResolver({ phoneWabas, wabaPortfolios })
  const configured = new Map<string, string>()
  for (const waba of [...Object.values(phoneWabas), ...Object.keys(wabaPortfolios)]) configured.set(waba, resolver.portfolioOfWaba(waba))
  return {
    portfolioOf: (wabaId) => resolver.portfolioOfWaba(wabaId),
    phonePortfolio (phoneNumberId, wabaOf) {
      const waba = resolver.wabaOf(phoneNumberId) ?? wabaOf(phoneNumberId)
      return waba === undefined || waba === '' ? undefined : resolver.portfolioOfWaba(waba)
    },
    configuredWabas: () => configured
  }
}
