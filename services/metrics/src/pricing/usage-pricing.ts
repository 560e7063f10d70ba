import { createPortfolioResolver } from '@wabridge/outreach'
import { createRateCardStore, EXAMPLE_RATE_CARD_DIR, type RateCardSet } from '@wabridge/pricing'
import type { Logger } from '@wabridge/telemetry'

/** What the usage API prices with: the rate cards in use and the business portfolio of each number. */
export interface UsagePricing {
  cards (): RateCardSet
  /** `wabaId`: the WABA the number's own records named, if any. */
  portfolioOf (phoneNumberId: string, wabaId: string | undefined): string
  /** Stops watching the rate card directory. */
  close (): void
}

export interface UsagePricingOptions {
  /** METRICS_RATE_CARD_DIR; default the example card of @wabridge/pricing. */
  dir?: string | undefined
  /** WA_PHONE_WABAS: phone number id → WABA id, for numbers whose records named none. */
  phoneWabas?: Readonly<Record<string, string>> | undefined
  /** WA_WABA_PORTFOLIOS: WABA id → business portfolio id; unset, each WABA is its own portfolio. */
  wabaPortfolios?: Readonly<Record<string, string>> | undefined
  logger?: Logger | undefined
  /**
   * Reload on a change under the directory. Not on SIGHUP: every part of wabridge stops on SIGHUP
   * (@wabridge/process runPart), as on SIGTERM.
   */
  watch?: boolean
}

/**
 * Loads the rate cards (throws RateCardError, with file and line, when the first load fails) and
 * keeps them: a reload that fails is logged and the cards in use stay.
 */
export function createUsagePricing (o: UsagePricingOptions = {}): UsagePricing {
  const dir = o.dir ?? EXAMPLE_RATE_CARD_DIR
  const store = createRateCardStore(dir)
  const resolver = createPortfolioResolver({ phoneWabas: o.phoneWabas ?? {}, wabaPortfolios: o.wabaPortfolios ?? {} })
  const log = (result: ReturnType<typeof store.reload>) => {
    if (result.ok) o.logger?.info({ dir, cards: result.set.cards.map((c) => c.effectiveFrom), currency: result.set.currency }, 'rate cards reloaded')
    else o.logger?.error({ dir, file: result.error.file, line: result.error.line, err: result.error }, 'rate card refused; the cards in use stay')
  }
  o.logger?.info({ dir, cards: store.current().cards.map((c) => c.effectiveFrom), currency: store.current().currency }, 'rate cards loaded')
  const unwatch = o.watch ? store.watch(log) : () => {}
  return {
    cards: () => store.current(),
    portfolioOf: (pn, wabaId) => {
      const waba = resolver.wabaOf(pn) ?? wabaId
      return waba === undefined ? `phone:${pn}` : resolver.portfolioOfWaba(waba)
    },
    close: () => unwatch()
  }
}
