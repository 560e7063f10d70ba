export { countryOfNumber, marketOfCountry, OTHER_MARKET } from './markets.ts'
export {
  cardAt, createRateCardStore, EXAMPLE_RATE_CARD_DIR, fromMicros, loadRateCards, parseRate, parseRateCard, RateCardError, TIERED_CATEGORIES,
  type MarketRates, type RateCard, type RateCardSet, type RateCardStore, type TierBand, type TieredCategory
} from './rate-card.ts'
export {
  cellMarket, flatRate, isCharged, monthStartS, normalCategory, priceCells, splitOverBands, tierName,
  type BandShare, type Priced, type PricedCell, type UsageCell
} from './cost.ts'
