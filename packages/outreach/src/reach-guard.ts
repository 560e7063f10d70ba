import type { Kafka } from 'kafkajs'
import { createProducer, createTopicView, type OutgoingRecord } from '@wabridge/kafka'
import type { Codec, MessagingReach } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { ensureCompactedTopic } from './compacted-topic.ts'
import { tierLimit, toMessagingTier } from './messaging-tiers.ts'
import { reachAlert } from './reach-alert.ts'
import { REACH_WINDOW_MS, ReachWindow } from './reach-window.ts'
import { startTierEvents, type TierAnnouncement } from './tier-events.ts'

/** Meta's messaging limit per business portfolio, held before it is reached. */
export interface ReachGuard {
  /** Creates the reach topic when missing, rebuilds the last 24 h from it, then follows it (and the tier events). */
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * May `waId` be messaged now from `phoneNumberId`? true if already counted in the last 24 h
   * (counted again now), or there is room below share × limit (then it is counted, durably: the
   * count is acknowledged by Kafka before this resolves); false = hold (limit reached).
   */
  admit(phoneNumberId: string, waId: string): Promise<boolean>
  /** When the next slot frees for this number's portfolio (epoch ms), or undefined if there is room / no limit. */
  nextRoomAt(phoneNumberId: string): number | undefined
  usage(phoneNumberId: string): { portfolio: string, tier: string, limit: number | null, used: number, share: number }
}

export interface ReachGuardOptions {
  kafka: Kafka
  codec: Codec
  /** The compacted reach topic, e.g. `${TOPIC_PREFIX}.campaigns.reach`. */
  topic: string
  /** wa.alerts. */
  alertsTopic: string
  /** The business portfolio of a sending number (see createPortfolioResolver). */
  portfolioOf: (phoneNumberId: string) => string
  /** The configured tier of a portfolio (CAMPAIGNS_MESSAGING_TIERS); used until Meta reports one. */
  tierOf: (portfolio: string) => string | undefined
  /** Of the limit, the part campaigns may use (0 < share ≤ 1), e.g. 0.95. */
  share: number
  /** Tier of a portfolio neither Meta nor the configuration names (or names unknowably). Default TIER_250, a new portfolio's. */
  defaultTier?: string | undefined
  /** Reads a number's current tier (whatsapp_business_manager_messaging_limit); asked once per portfolio, then every graphRefreshMs. */
  graph?: { messagingLimit(phoneNumberId: string): Promise<string | undefined> } | undefined
  /** Default 6 h (Meta applies an upgrade within 6 h). */
  graphRefreshMs?: number | undefined
  /**
   * Follow tier changes from webhooks: business_capability_update and phone_number_quality_update
   * on wa.inbound.events. One group for every instance; the tier goes to the reach topic, which
   * every instance follows.
   */
  events?: { topic: string, groupId: string, portfolioOfWaba: (wabaId: string) => string, sessionTimeoutMs?: number | undefined } | undefined
  /** Partitions when the reach topic is created. Default 1. */
  partitions?: number | undefined
  /** How often open alerts are checked for room, ms (also on every call). Default 10000. */
  checkIntervalMs?: number | undefined
  /** Epoch ms. Default Date.now. */
  clock?: (() => number) | undefined
  logger: Logger
  onCrash?: ((err: Error) => void) | undefined
}

interface Portfolio {
  id: string
  reached: ReachWindow
  /** The tier Meta last reported, with its time and source. */
  meta: { tier: string, at: number, source: string } | undefined
  /** When the open alert fired; undefined = none open. */
  alertFiredAt: number | undefined
  /** The last number admitted for it (named by the alert). */
  lastPhone: string | null
  graphCheckedAt: number | undefined
}

/** The last segment of '{portfolio}:{wa_id}' (a portfolio may itself contain ':'). */
const splitKey = (key: string) => { const at = key.lastIndexOf(':'); return at < 0 ? undefined : { portfolio: key.slice(0, at), waId: key.slice(at + 1) } }

/** Counts unique business-initiated recipients per portfolio over a moving 24 h and holds new ones at share × limit. */
export function createReachGuard (o: ReachGuardOptions): ReachGuard {
  if (!(o.share > 0 && o.share <= 1)) throw new RangeError(`share must be in (0, 1], got ${o.share}`)
  const clock = o.clock ?? Date.now
  const defaultTier = o.defaultTier ?? 'TIER_250'
  const portfolios = new Map<string, Portfolio>()
  const producer = createProducer(o.kafka)
  let pendingTombstones: string[] = []
  let loading: MessagingReach[] | undefined = []
  let events: { stop(): Promise<void> } | undefined
  let checker: NodeJS.Timeout | undefined
  /** Alerts being written: stop() waits for them. */
  const sending = new Set<Promise<void>>()

  const portfolio = (id: string): Portfolio => {
    let p = portfolios.get(id)
    if (!p) portfolios.set(id, p = { id, reached: new ReachWindow(), meta: undefined, alertFiredAt: undefined, lastPhone: null, graphCheckedAt: undefined })
    return p
  }

  /** Meta's tier when it names a limit, else the configured one, else the default. */
  function tierOf (p: Portfolio): string {
    if (p.meta && tierLimit(p.meta.tier) !== undefined) return p.meta.tier
    const configured = o.tierOf(p.id)
    const tier = configured === undefined ? undefined : toMessagingTier(configured)
    return tier !== undefined && tierLimit(tier) !== undefined ? tier : defaultTier
  }
  const limitOf = (p: Portfolio) => tierLimit(tierOf(p)) ?? null
  const capOf = (limit: number) => Math.floor(limit * o.share)

  const portfolioRecord = (p: Portfolio, at: number): OutgoingRecord => ({
    topic: o.topic,
    key: p.id,
    value: o.codec.encode('MessagingReach', { portfolio: p.id, wa_id: null, at, tier: p.meta?.tier ?? null, tier_source: p.meta?.source ?? null, limit_reached_at: p.alertFiredAt ?? null })
  })
  /** Writes `records` (acknowledged) with the tombstones of recipients that left the window. */
  const write = async (records: OutgoingRecord[]) => {
    const tombstones = pendingTombstones.map((key): OutgoingRecord => ({ topic: o.topic, key, value: null }))
    pendingTombstones = []
    await producer.send([...records, ...tombstones])
  }

  /** Drops recipients out of the window (their tombstones go with the next write). */
  function expire (p: Portfolio, now: number): void {
    for (const waId of p.reached.expire(now)) pendingTombstones.push(`${p.id}:${waId}`)
    if (limitOf(p) === null) p.reached.clear()
  }

  async function sendAlert (state: 'firing' | 'resolved', p: Portfolio, firedAt: number, at: number): Promise<void> {
    const limit = limitOf(p) ?? 0
    const alert = reachAlert(state, { portfolio: p.id, tier: tierOf(p), limit, cap: capOf(limit), used: p.reached.size, share: o.share, firedAt, phoneNumberId: p.lastPhone, at })
    try {
      await producer.send([
        { topic: o.alertsTopic, key: `${alert.name}:${alert.scope}`, value: await o.codec.serialize(o.alertsTopic, 'Alert', alert) },
        portfolioRecord(p, at)
      ])
      o.logger.warn({ portfolio: p.id, state, used: p.reached.size, limit }, 'messaging limit alert')
    } catch (err) {
      o.logger.error({ err, portfolio: p.id, state }, 'messaging limit alert not written')
    }
  }

  /** Fires the alert when the portfolio is full, resolves it once it has room. */
  function checkAlert (p: Portfolio, now: number): void {
    expire(p, now)
    const limit = limitOf(p)
    const isFull = limit !== null && p.reached.size >= capOf(limit)
    let sent: Promise<void> | undefined
    if (isFull && p.alertFiredAt === undefined) {
      p.alertFiredAt = now
      sent = sendAlert('firing', p, now, p.reached.nextExpiry() ?? now)
    } else if (!isFull && p.alertFiredAt !== undefined) {
      const firedAt = p.alertFiredAt
      p.alertFiredAt = undefined
      sent = sendAlert('resolved', p, firedAt, now)
    }
    if (sent) {
      sending.add(sent)
      void sent.finally(() => sending.delete(sent))
    }
  }

  function applyTier (p: Portfolio, tier: string, at: number, source: string): boolean {
    if (p.meta && p.meta.at > at) return false
    const changed = p.meta?.tier !== tier
    p.meta = { tier, at, source }
    if (changed) o.logger.info({ portfolio: p.id, tier, source }, 'messaging tier')
    return changed
  }

  /** Applies a record of the reach topic; the open alert only when rebuilding (later ones are this or another instance's own view). */
  function applyRecord (r: MessagingReach, now: number, isRebuilding: boolean): void {
    const p = portfolio(r.portfolio)
    if (r.wa_id !== null) {
      if (r.at + REACH_WINDOW_MS > now && limitOf(p) !== null) p.reached.count(r.wa_id, r.at)
      else if (r.at + REACH_WINDOW_MS <= now) pendingTombstones.push(`${r.portfolio}:${r.wa_id}`)
      return
    }
    if (r.tier !== null) applyTier(p, r.tier, r.at, r.tier_source ?? 'unknown')
    if (isRebuilding) p.alertFiredAt = r.limit_reached_at ?? undefined
  }

  const reader = createTopicView({
    topic: o.topic,
    groupIdPrefix: 'wabridge-outreach.reach',
    ...(o.onCrash && { onCrash: o.onCrash }),
    onRecord: async (key, value) => {
      if (value === null) {
        // Another instance expired it; a recipient counted again since stays.
        const k = splitKey(key)
        if (k) portfolios.get(k.portfolio)?.reached.forget(k.waId, clock() - REACH_WINDOW_MS)
        return
      }
      let r: MessagingReach
      try {
        r = (await o.codec.deserialize(value, 'MessagingReach')).value
      } catch (err) {
        o.logger.warn({ err, topic: o.topic, key }, 'reach record skipped: not a MessagingReach')
        return
      }
      if (loading) loading.push(r)
      else applyRecord(r, clock(), false)
    }
  }, { kafka: o.kafka, logger: o.logger })

  /** Asks the Graph API for the number's tier: awaited the first time, in the background after graphRefreshMs. */
  async function refreshTier (p: Portfolio, phoneNumberId: string, now: number): Promise<void> {
    const graph = o.graph
    if (!graph || (p.graphCheckedAt !== undefined && now - p.graphCheckedAt < (o.graphRefreshMs ?? 6 * 3_600_000))) return
    const isFirst = p.graphCheckedAt === undefined
    p.graphCheckedAt = now
    const ask = (async () => {
      try {
        const reported = await graph.messagingLimit(phoneNumberId)
        if (reported !== undefined && applyTier(p, toMessagingTier(reported), clock(), 'graph')) await write([portfolioRecord(p, clock())])
      } catch (err) {
        o.logger.warn({ err, portfolio: p.id }, 'messaging tier not read from the Graph API; the configured tier applies')
      }
    })()
    if (isFirst) await ask
  }

  async function onTier (a: TierAnnouncement): Promise<void> {
    const p = portfolio(a.phoneNumberId === null ? o.events!.portfolioOfWaba(a.wabaId) : o.portfolioOf(a.phoneNumberId))
    if (!applyTier(p, a.tier, a.at, a.source)) return
    await write([portfolioRecord(p, clock())])
    checkAlert(p, clock())
  }

  return {
    async start () {
      await ensureCompactedTopic(o.kafka, o.topic, o.partitions ?? 1)
      await producer.start()
      await reader.start()
      // Rebuilt in time order, so that the oldest recipient of each portfolio expires first.
      const now = clock()
      for (const r of loading!.sort((a, b) => a.at - b.at)) applyRecord(r, now, true)
      loading = undefined
      if (pendingTombstones.length > 0) await write([])
      for (const p of portfolios.values()) checkAlert(p, now)
      if (o.events) events = await startTierEvents({ kafka: o.kafka, codec: o.codec, topic: o.events.topic, groupId: o.events.groupId, sessionTimeoutMs: o.events.sessionTimeoutMs, onTier, logger: o.logger, onCrash: o.onCrash })
      checker = setInterval(() => {
        const at = clock()
        for (const p of portfolios.values()) if (p.alertFiredAt !== undefined) checkAlert(p, at)
      }, o.checkIntervalMs ?? 10_000)
      checker.unref()
      o.logger.info({ topic: o.topic, portfolios: portfolios.size }, 'messaging reach loaded')
    },
    async stop () {
      if (checker) clearInterval(checker)
      await events?.stop()
      await Promise.allSettled(sending)
      await reader.stop()
      await producer.stop()
    },
    async admit (phoneNumberId, waId) {
      const p = portfolio(o.portfolioOf(phoneNumberId))
      await refreshTier(p, phoneNumberId, clock())
      // From here to the write nothing awaits: concurrent admissions cannot both take the last slot.
      const now = clock()
      expire(p, now)
      const limit = limitOf(p)
      if (limit === null) return true
      p.lastPhone = phoneNumberId
      const counted = p.reached.countedAt(waId, now)
      if (counted === undefined && p.reached.size >= capOf(limit)) {
        checkAlert(p, now)
        return false
      }
      p.reached.count(waId, now)
      try {
        await write([{ topic: o.topic, key: `${p.id}:${waId}`, value: o.codec.encode('MessagingReach', { portfolio: p.id, wa_id: waId, at: now, tier: null, tier_source: null, limit_reached_at: null }) }])
      } catch (err) {
        if (counted === undefined) p.reached.forget(waId, now)
        throw err
      }
      checkAlert(p, clock())
      return true
    },
    nextRoomAt (phoneNumberId) {
      const p = portfolio(o.portfolioOf(phoneNumberId))
      const now = clock()
      checkAlert(p, now)
      const limit = limitOf(p)
      if (limit === null || p.reached.size < capOf(limit)) return undefined
      return p.reached.nextExpiry()
    },
    usage (phoneNumberId) {
      const p = portfolio(o.portfolioOf(phoneNumberId))
      checkAlert(p, clock())
      return { portfolio: p.id, tier: tierOf(p), limit: limitOf(p), used: p.reached.size, share: o.share }
    }
  }
}
