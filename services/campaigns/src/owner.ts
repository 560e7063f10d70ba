import { performance } from 'node:perf_hooks'
import { Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs'
import { connectFenced, createConsumer, isFencingError, toKafkaHeaders, type WabridgeConsumer } from '@wabridge/kafka'
import { contentTypeFor, recipientWaId, suppressionScope, type Campaign, type CampaignCommand, type CampaignRecipient, type Codec, type OutboundRequest } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import { countryOf } from './audience.ts'
import type { CampaignView } from './campaign-view.ts'
import type { AudienceSummary, CampaignDefinition } from './definition.ts'
import { createWindowCheck, nextWindowOpening, parseWindow, zonesOf, type LocalWindow } from './local-window.ts'
import { partitionOf } from './partition-of.ts'
import type { ProgressItem } from './progress-feeder.ts'
import { RecipientStates, RS } from './recipient-states.ts'
import { renderMessage, type CampaignTemplate } from './template.ts'

/** What the owner needs of the suppression list (@wabridge/outreach SuppressionView). */
export interface SuppressionCheck {
  isSuppressed(scope: string, waId: string, now?: number): unknown
}

/** What the owner needs of the messaging-limit guard (@wabridge/outreach ReachGuard). */
export interface ReachCheck {
  admit(phoneNumberId: string, waId: string): Promise<boolean>
  nextRoomAt(phoneNumberId: string): number | undefined
}

export interface OwnerOptions {
  topics: { commands: string, campaigns: string, requests: string }
  groupId: string
  transactionTimeoutMs: number
  sessionTimeoutMs: number
  maxRestarts: number
  restartWindowMs: number
  tickMs: number
  progressIntervalMs: number
  inFlightMs: number
  bulkShare: number
  defaultMps: number
}

export interface OwnerDeps {
  kafka: Kafka
  admin: Admin
  codec: Codec
  logger: Logger
  view: CampaignView
  /** Wall clock (send_at, windows, end_by, record times), epoch ms. */
  clock: () => number
  /** Pacing clock, ms (token buckets); default performance.now. */
  monotonic: () => number
  /** The number's rate from egress (wa.egress.numbers), messages per second, if published. */
  rateOf: (phoneNumberId: string) => number | undefined
  wabaOf: (phoneNumberId: string) => string | undefined
  suppressions?: SuppressionCheck | undefined
  reach?: ReachCheck | undefined
  /** The recipients of an upload, in index order. */
  loadAudience: (campaignId: string, uploadId: string, size: number) => Promise<CampaignRecipient[]>
  onCrash: (err: Error) => void
}

export interface Owner {
  start(): Promise<void>
  stop(): Promise<void>
  /** Commands partitions this instance owns and has restored. */
  ready(): number[]
  assigned(): number[]
  /** Whether this instance owns (and restored) the commands partition of the number: it alone acts on its campaigns. */
  ownsNumber(phoneNumberId: string): boolean
  /** Runs one tick of every owned partition now (the timer does it every CAMPAIGNS_TICK_MS). */
  tick(): Promise<void>
}

interface Run {
  c: Campaign
  template: CampaignTemplate
  window: LocalWindow | undefined
  states: RecipientStates | undefined
  audience: CampaignRecipient[] | undefined
  countries: Array<string | undefined> | undefined
  /** Own token bucket (rate_cap_mps). */
  tokens: number
  tokensAt: number | undefined
  /** Pending recipients passed over in the current pass (outside their window). */
  deferredPass: number
  /** Next pass over deferred recipients not before this (wall clock). */
  wakeAt: number
  dirty: boolean
  progressDirty: boolean
  lastWrittenAt: number
}

interface Session {
  partition: number
  producer: Producer | undefined
  ready: boolean
  released: boolean
  inbox: Array<{ offset: bigint, command: CampaignCommand }>
  /** Next commands offset to apply (= the committed one after a restore). */
  expected: bigint | undefined
  /** Offset to commit with the next transaction, when commands were applied since the last one. */
  commitOffset: bigint | undefined
  runs: Map<string, Run>
  buckets: Map<string, { tokens: number, at: number }>
  busy: Promise<void> | undefined
  rotation: number
}

const ACTIVE = new Set(['scheduled', 'running', 'paused'])
const TERMINAL = new Set(['completed', 'cancelled'])
/** Campaigns finished longer ago than this are not loaded by a new owner (their late results are not counted). */
const KEEP_FINISHED_MS = 24 * 3600_000
/** At most this many recipients are looked at per campaign per tick (windows closed for most of them). */
const SCAN_LIMIT = 20_000
const RETRY_MS = 1000

function newCampaign (d: CampaignDefinition, now: number, commandId: string): Campaign {
  return {
    id: d.id,
    name: d.name,
    phone_number_id: d.phone_number_id,
    waba_id: d.waba_id,
    state: 'draft',
    template_json: JSON.stringify(d.template),
    send_at: d.send_at,
    rate_cap_mps: d.rate_cap_mps,
    window_start: d.window_start,
    window_end: d.window_end,
    end_by: d.end_by,
    default_region: d.default_region,
    metadata: d.metadata,
    audience_upload: null,
    audience_size: 0,
    audience_chunks: 0,
    invalid_rows: 0,
    duplicate_rows: 0,
    invalid_json: null,
    cursor: 0,
    queued: 0,
    sent: 0,
    delivered: 0,
    read: 0,
    failed: 0,
    failed_by_code: {},
    suppressed: 0,
    skipped: 0,
    deferred: 0,
    held_until: null,
    recipient_states: null,
    created_at: now,
    started_at: null,
    finished_at: null,
    updated_at: now,
    last_command_id: commandId,
    last_command_error: null
  }
}

/**
 * Runs the campaigns of the commands partitions this instance owns (consumer group on the commands
 * topic, key = phone_number_id: every campaign of a number has one owner, which shares the number's
 * bulk budget among them). Per partition: a transactional producer with a stable id (a new owner
 * fences the old one), the campaigns restored from the campaigns topic, then every tick one
 * transaction holds the requests released, the campaigns' new state (cursor, recipient states,
 * counts) and the commands offset: a crash anywhere repeats nothing and loses nothing.
 */
export function createOwner (o: OwnerOptions, deps: OwnerDeps): Owner {
  const log = deps.logger
  const sessions = new Map<number, Session>()
  let partitionCount = 0
  let consumer: WabridgeConsumer | undefined
  let timer: NodeJS.Timeout | undefined
  let isStopping = false

  const owns = (s: Session, phoneNumberId: string) => partitionOf(phoneNumberId, partitionCount) === s.partition

  function toRun (c: Campaign): Run {
    return {
      c: { ...c },
      template: JSON.parse(c.template_json) as CampaignTemplate,
      window: c.window_start && c.window_end ? parseWindow(c.window_start, c.window_end) : undefined,
      states: c.audience_upload ? RecipientStates.decode(c.audience_size, c.recipient_states, c.failed_by_code) : undefined,
      audience: undefined,
      countries: undefined,
      tokens: 0,
      tokensAt: undefined,
      deferredPass: 0,
      wakeAt: 0,
      dirty: false,
      progressDirty: false,
      lastWrittenAt: performance.now()
    }
  }

  async function ensureAudience (run: Run): Promise<void> {
    if (run.audience || !run.c.audience_upload) return
    const recipients = await deps.loadAudience(run.c.id, run.c.audience_upload, run.c.audience_size)
    if (recipients.length !== run.c.audience_size) throw new Error(`audience ${run.c.audience_upload} of campaign ${run.c.id}: ${recipients.length} of ${run.c.audience_size} recipients found`)
    run.audience = recipients
    if (run.window) run.countries = recipients.map((r) => countryOf(r.to))
  }

  // Sessions ----------------------------------------------------------------------------------

  function newSession (partition: number): Session {
    return { partition, producer: undefined, ready: false, released: false, inbox: [], expected: undefined, commitOffset: undefined, runs: new Map(), buckets: new Map(), busy: undefined, rotation: 0 }
  }

  async function restore (s: Session): Promise<void> {
    const isOver = () => s.released || isStopping
    while (!isOver()) {
      try {
        await s.producer?.disconnect().catch(() => {})
        const producer = deps.kafka.producer({
          transactionalId: `${o.groupId}.tx.${s.partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: o.transactionTimeoutMs,
          createPartitioner: Partitioners.DefaultPartitioner
        })
        s.producer = producer
        // connectFenced initialises the transactional id, which fences the previous owner and aborts its
        // open transaction (kafkajs' connect() alone does not: it asks for the id only at the first
        // transaction); only then are the committed offset and the campaigns read below final.
        await connectFenced(producer)
        const [committed] = await deps.admin.fetchOffsets({ groupId: o.groupId, topics: [o.topics.commands] })
        const at = committed?.partitions.find((p) => p.partition === s.partition)?.offset
        await deps.view.catchUp()
        if (s.released) return
        const now = deps.clock()
        s.runs.clear()
        for (const c of deps.view.list()) {
          if (!owns(s, c.phone_number_id)) continue
          if (TERMINAL.has(c.state) && (c.finished_at ?? 0) < now - KEEP_FINISHED_MS) continue
          const run = toRun(c)
          if (run.c.state === 'running' || run.c.state === 'scheduled' || run.c.state === 'paused') await ensureAudience(run)
          s.runs.set(c.id, run)
        }
        s.expected = at !== undefined && at !== '-1' ? BigInt(at) : undefined
        s.ready = true
        log.info({ partition: s.partition, campaigns: s.runs.size, from: at }, 'campaigns partition restored')
        return
      } catch (err) {
        if (isFencingError(err)) {
          log.warn({ partition: s.partition }, 'fenced by another owner while restoring: waiting for the rebalance')
          return
        }
        log.warn({ err, partition: s.partition }, 'campaigns partition restore failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
      }
    }
  }

  async function release (s: Session): Promise<void> {
    s.released = true
    s.ready = false
    await s.busy?.catch(() => {})
    await s.producer?.disconnect().catch(() => {})
    s.producer = undefined
  }

  /** After a failed transaction: the memory is ahead of what is committed; read both again. */
  async function reset (s: Session, err: unknown): Promise<void> {
    s.ready = false
    s.inbox = []
    if (isFencingError(err)) {
      log.warn({ partition: s.partition }, 'fenced: another instance owns this partition now')
      await s.producer?.disconnect().catch(() => {})
      s.producer = undefined
      return
    }
    log.warn({ err, partition: s.partition }, 'campaigns transaction failed; restoring the partition from Kafka')
    await restore(s)
    if (s.ready && s.expected !== undefined) consumer?.kafkajs.seek({ topic: o.topics.commands, partition: s.partition, offset: s.expected.toString() })
  }

  // Commands ------------------------------------------------------------------------------------

  async function apply (s: Session, cmd: CampaignCommand, now: number): Promise<void> {
    const run = s.runs.get(cmd.campaign_id)
    if (cmd.command === 'progress') {
      if (!run?.states) return
      for (const [i, ev, code] of JSON.parse(cmd.payload_json ?? '[]') as ProgressItem[]) {
        if (run.states.apply(i, ev, code)) run.progressDirty = true
      }
      return
    }
    if (cmd.command === 'create') {
      if (run) return // applied before (commands are delivered at least once)
      const d = JSON.parse(cmd.payload_json ?? '{}') as CampaignDefinition
      const created = toRun(newCampaign(d, now, cmd.command_id))
      created.dirty = true
      s.runs.set(d.id, created)
      return
    }
    if (!run) {
      log.warn({ campaign: cmd.campaign_id, command: cmd.command }, 'command for an unknown campaign ignored')
      return
    }
    if (run.c.last_command_id === cmd.command_id) return
    const refuse = (why: string) => { run.c.last_command_id = cmd.command_id; run.c.last_command_error = why; run.dirty = true }
    const accept = () => { run.c.last_command_id = cmd.command_id; run.c.last_command_error = null; run.dirty = true }
    const state = run.c.state
    switch (cmd.command) {
      case 'audience': {
        if (state !== 'draft') return refuse(`the audience can only be changed in draft, not ${state}`)
        const a = JSON.parse(cmd.payload_json ?? '{}') as AudienceSummary
        Object.assign(run.c, { audience_upload: a.upload_id, audience_size: a.size, audience_chunks: a.chunks, invalid_rows: a.invalid, duplicate_rows: a.duplicates, invalid_json: JSON.stringify(a.invalid_rows), cursor: 0 })
        run.states = new RecipientStates(a.size)
        run.audience = undefined
        return accept()
      }
      case 'start': {
        if (state !== 'draft') return refuse(`only a draft campaign can be started, not a ${state} one`)
        if (!run.c.audience_upload || run.c.audience_size === 0) return refuse('the campaign has no audience')
        try {
          await ensureAudience(run)
        } catch (err) {
          return refuse(`the audience cannot be read: ${(err as Error).message}`)
        }
        run.c.state = run.c.send_at !== null && run.c.send_at > now ? 'scheduled' : 'running'
        return accept()
      }
      case 'pause': {
        if (state !== 'running' && state !== 'scheduled') return refuse(`only a running or scheduled campaign can be paused, not a ${state} one`)
        run.c.state = 'paused'
        // A pause the service issued itself (a paused template) says why.
        const reason = (JSON.parse(cmd.payload_json ?? '{}') as { reason?: unknown }).reason
        if (typeof reason === 'string') log.warn({ campaign: cmd.campaign_id, reason }, 'campaign paused')
        return accept()
      }
      case 'resume':
        if (state !== 'paused') return refuse(`only a paused campaign can be resumed, not a ${state} one`)
        try {
          await ensureAudience(run)
        } catch (err) {
          return refuse(`the audience cannot be read: ${(err as Error).message}`)
        }
        run.c.state = run.c.send_at !== null && run.c.send_at > now ? 'scheduled' : 'running'
        run.tokensAt = undefined
        return accept()
      case 'cancel':
        if (TERMINAL.has(state)) return refuse(`the campaign is already ${state}`)
        run.c.state = 'cancelled'
        run.c.finished_at = now
        run.c.held_until = null
        if (run.states) for (let i = 0; i < run.states.size; i++) if (run.states.get(i) === RS.pending) run.states.set(i, RS.skipped)
        return accept()
    }
  }

  // Releasing -----------------------------------------------------------------------------------

  /** Picks up to `want` recipients to send now from the cursor on; returns the indexes released. */
  async function pick (run: Run, want: number, now: number): Promise<number[]> {
    const states = run.states!
    const audience = run.audience!
    const pn = run.c.phone_number_id
    const scope = suppressionScope(pn, (id) => run.c.waba_id ?? deps.wabaOf(id))
    const isOpen = run.window ? createWindowCheck(run.window, now) : undefined
    const candidates: number[] = []
    let i = run.c.cursor
    for (let scanned = 0; candidates.length < want && i < states.size && scanned < SCAN_LIMIT; i++, scanned++) {
      if (states.get(i) !== RS.pending) continue
      if (isOpen && !isOpen(run.countries![i])) {
        run.deferredPass++
        continue
      }
      if (deps.suppressions?.isSuppressed(scope, recipientWaId(audience[i]!.to), now)) {
        states.set(i, RS.suppressed)
        run.progressDirty = true
        continue
      }
      candidates.push(i)
    }
    let cursor = i
    let released = candidates
    if (deps.reach && candidates.length > 0) {
      const admitted = await Promise.all(candidates.map((k) => deps.reach!.admit(pn, recipientWaId(audience[k]!.to))))
      released = candidates.filter((_, k) => admitted[k])
      const refused = admitted.indexOf(false)
      if (refused >= 0) {
        // Held by the messaging limit: the refused recipients wait at the cursor for room.
        cursor = candidates[refused]!
        run.c.held_until = deps.reach.nextRoomAt(pn) ?? now + RETRY_MS
        run.dirty = true
      } else if (run.c.held_until !== null) {
        run.c.held_until = null
        run.dirty = true
      }
    }
    run.c.cursor = cursor
    if (cursor >= states.size) {
      const waiting = states.pending - released.length
      if (run.c.deferred !== waiting) {
        run.c.deferred = waiting
        run.dirty = true
      }
      if (waiting > 0) {
        // A pass is over and recipients wait for their window: the next pass starts when one may open.
        run.c.cursor = 0
        run.deferredPass = 0
        run.wakeAt = nextDeferredPass(run, now)
        run.dirty = true
      }
    }
    return released
  }

  function nextDeferredPass (run: Run, now: number): number {
    if (!run.window || !run.countries) return now + 60_000
    const countries = new Set<string | undefined>()
    for (let i = 0; i < run.states!.size; i++) if (run.states!.get(i) === RS.pending) countries.add(run.countries[i])
    let next = Number.POSITIVE_INFINITY
    for (const country of countries) {
      const at = country === undefined ? now : nextWindowOpening(run.window, zonesOf(country), now)
      if (at !== undefined) next = Math.min(next, at)
    }
    // Never before a minute (windows move by minutes), never later than 15 minutes (clock changes, end_by).
    return Math.min(Math.max(next, now + 60_000), now + 15 * 60_000)
  }

  function toRequest (run: Run, i: number, now: number): OutboundRequest {
    const r = run.audience![i]!
    return {
      request_id: `cmp.${run.c.id}.${i}`,
      phone_number_id: run.c.phone_number_id,
      to: r.to,
      message_json: JSON.stringify(renderMessage(run.template, r.params)),
      expires_at: run.c.end_by,
      metadata: { ...run.c.metadata, campaign_id: run.c.id },
      created_at: now,
      send_at: null,
      priority: 'bulk'
    }
  }

  /** Releases what the number's bulk budget and in-flight window allow, shared among its running campaigns. */
  async function releaseForNumber (s: Session, pn: string, runs: Run[], now: number, mono: number, out: Message[]): Promise<void> {
    const rate = deps.rateOf(pn) ?? o.defaultMps
    const capOf = (r: Run) => r.c.rate_cap_mps ?? rate * o.bulkShare
    const budget = Math.max(...runs.map(capOf))
    const burst = (c: number) => Math.max(1, c * 2 * o.tickMs / 1000)
    let bucket = s.buckets.get(pn)
    if (!bucket) s.buckets.set(pn, bucket = { tokens: 0, at: mono })
    bucket.tokens = Math.min(burst(budget), bucket.tokens + budget * (mono - bucket.at) / 1000)
    bucket.at = mono
    for (const r of runs) {
      r.tokens = r.tokensAt === undefined ? 0 : Math.min(burst(capOf(r)), r.tokens + capOf(r) * (mono - r.tokensAt) / 1000)
      r.tokensAt = mono
    }
    const inFlight = runs.reduce((n, r) => n + r.states!.histogram[RS.queued]!, 0)
    let allowed = Math.min(Math.floor(bucket.tokens), Math.max(1, Math.ceil(budget * o.inFlightMs / 1000)) - inFlight)
    if (allowed <= 0) return
    const start = s.rotation++ % runs.length
    for (let k = 0; k < runs.length && allowed > 0; k++) {
      const run = runs[(start + k) % runs.length]!
      const want = Math.min(allowed, Math.floor(run.tokens))
      if (want <= 0) continue
      const released = await pick(run, want, now)
      for (const i of released) {
        run.states!.set(i, RS.queued)
        const request = toRequest(run, i, now)
        out.push({ key: pn, value: await deps.codec.serialize(o.topics.requests, 'OutboundRequest', request), headers: toKafkaHeaders({ eventId: request.request_id!, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: deps.codec.fingerprintHex('OutboundRequest') }) })
      }
      if (released.length > 0) {
        run.c.started_at ??= now
        run.dirty = true
      }
      run.tokens -= released.length
      bucket.tokens -= released.length
      allowed -= released.length
    }
  }

  // The tick ------------------------------------------------------------------------------------

  async function tickSession (s: Session): Promise<void> {
    if (!s.ready || s.released || !s.producer) return
    const now = deps.clock()
    const mono = deps.monotonic()
    for (const { offset, command } of s.inbox.splice(0)) {
      if (s.expected !== undefined && offset < s.expected) continue // read again after a restore: applied already
      try {
        if (owns(s, command.phone_number_id)) await apply(s, command, now)
      } catch (err) {
        // A command that cannot be applied is skipped, not retried for ever.
        log.error({ err, campaign: command.campaign_id, command: command.command, offset: String(offset) }, 'command not applied')
      }
      s.expected = offset + 1n
      s.commitOffset = s.expected
    }
    const byNumber = new Map<string, Run[]>()
    for (const run of s.runs.values()) {
      const c = run.c
      if (c.state === 'scheduled' && (c.send_at ?? 0) <= now) {
        c.state = 'running'
        run.dirty = true
      }
      if (c.end_by !== null && now >= c.end_by && ACTIVE.has(c.state) && run.states && run.states.pending > 0) {
        for (let i = 0; i < run.states.size; i++) if (run.states.get(i) === RS.pending) run.states.set(i, RS.skipped)
        c.deferred = 0
        run.dirty = true
      }
      if (c.state !== 'running' || !run.states || !run.audience) continue
      if (c.held_until !== null && now < c.held_until) continue
      if (now < run.wakeAt) continue
      let list = byNumber.get(c.phone_number_id)
      if (!list) byNumber.set(c.phone_number_id, list = [])
      list.push(run)
    }
    const requests: Message[] = []
    for (const [pn, runs] of byNumber) await releaseForNumber(s, pn, runs, now, mono, requests)
    const writes: Run[] = []
    for (const run of s.runs.values()) {
      const c = run.c
      if (c.state === 'running' && run.states && run.states.pending === 0 && run.states.histogram[RS.queued] === 0) {
        c.state = 'completed'
        c.finished_at = now
        c.held_until = null
        c.deferred = 0
        run.dirty = true
      }
      if (run.dirty || (run.progressDirty && performance.now() - run.lastWrittenAt >= o.progressIntervalMs)) writes.push(run)
    }
    if (writes.length === 0 && requests.length === 0 && s.commitOffset === undefined) return
    const records: Message[] = []
    for (const run of writes) {
      const c = run.c
      if (run.states) Object.assign(c, run.states.counts(), { failed_by_code: { ...run.states.failedByCode }, recipient_states: run.states.encode() })
      c.updated_at = now
      records.push({ key: c.id, value: await deps.codec.serialize(o.topics.campaigns, 'Campaign', c), headers: toKafkaHeaders({ contentType: contentTypeFor('Campaign'), schemaFingerprint: deps.codec.fingerprintHex('Campaign') }) })
    }
    const tx = await s.producer.transaction()
    try {
      if (requests.length > 0) await tx.send({ topic: o.topics.requests, messages: requests })
      if (records.length > 0) await tx.send({ topic: o.topics.campaigns, messages: records })
      if (s.commitOffset !== undefined) {
        await tx.sendOffsets({ consumerGroupId: o.groupId, topics: [{ topic: o.topics.commands, partitions: [{ partition: s.partition, offset: s.commitOffset.toString() }] }] })
      }
      await tx.commit()
    } catch (err) {
      await tx.abort().catch(() => {})
      throw err
    }
    s.commitOffset = undefined
    for (const run of writes) {
      run.dirty = false
      run.progressDirty = false
      run.lastWrittenAt = performance.now()
      // Finished long ago: nothing will change it any more.
      if (TERMINAL.has(run.c.state) && run.c.queued === 0 && (run.c.finished_at ?? now) < now - KEEP_FINISHED_MS) s.runs.delete(run.c.id)
    }
  }

  function runTick (s: Session): Promise<void> {
    if (s.busy) return s.busy
    s.busy = tickSession(s).catch((err) => reset(s, err)).finally(() => { s.busy = undefined })
    return s.busy
  }

  // Group membership ----------------------------------------------------------------------------

  function onRebalancing (): void {
    // Eager rebalance: every partition is given up; the new assignment restores what stays here.
    for (const s of sessions.values()) void release(s)
    sessions.clear()
  }

  function onAssignment (assignment: Record<string, number[]>): void {
    const partitions = assignment[o.topics.commands] ?? []
    for (const [p, s] of sessions) {
      if (!partitions.includes(p)) {
        void release(s)
        sessions.delete(p)
      }
    }
    for (const p of partitions) {
      if (sessions.has(p)) continue
      const s = newSession(p)
      sessions.set(p, s)
      // Restore after the previous session of this partition (if any) released its producer.
      s.busy = restore(s).finally(() => { s.busy = undefined })
    }
  }

  return {
    async start () {
      const meta = await deps.admin.fetchTopicMetadata({ topics: [o.topics.commands] })
      partitionCount = meta.topics[0]!.partitions.length
      consumer = createConsumer(deps.kafka, {
        groupId: o.groupId,
        topics: [o.topics.commands],
        fromBeginning: true,
        sessionTimeoutMs: o.sessionTimeoutMs,
        maxWaitTimeMs: Math.min(100, o.tickMs),
        maxRestarts: o.maxRestarts,
        restartWindowMs: o.restartWindowMs,
        onCrash: deps.onCrash,
        onAssignment,
        onRebalancing
      })
      await consumer.start({
        eachBatch: async ({ batch, resolveOffset }) => {
          const s = sessions.get(batch.partition)
          for (const m of batch.messages) {
            resolveOffset(m.offset)
            if (!s || s.released || !m.value) continue
            try {
              s.inbox.push({ offset: BigInt(m.offset), command: (await deps.codec.deserialize(m.value, 'CampaignCommand')).value })
            } catch (err) {
              log.warn({ err, partition: batch.partition, offset: m.offset }, 'command not decodable: skipped')
            }
          }
        }
      })
      timer = setInterval(() => { for (const s of sessions.values()) void runTick(s) }, o.tickMs)
      timer.unref()
    },
    async stop () {
      isStopping = true
      if (timer) clearInterval(timer)
      await Promise.all([...sessions.values()].map(async (s) => { await s.busy?.catch(() => {}) }))
      await consumer?.stop()
      await Promise.all([...sessions.values()].map(release))
      sessions.clear()
    },
    ready: () => [...sessions.values()].filter((s) => s.ready).map((s) => s.partition),
    assigned: () => [...sessions.keys()],
    ownsNumber: (phoneNumberId) => partitionCount > 0 && sessions.get(partitionOf(phoneNumberId, partitionCount))?.ready === true,
    async tick () {
      await Promise.all([...sessions.values()].map(async (s) => { await runTick(s) }))
    }
  }
}
