import { createHash, randomUUID } from 'node:crypto'
import { createGraphApiClient, decideSend, errorClassOf, type GraphApiClient } from '@wabridge/graph-api'
import { createConsumer, createKafkaClient, createProducer, ensureTopics, heartbeatIntervalFor, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { contentTypeFor, createCodec, recipientWaId, suppressionScope, type NumberState, type OutboundRequest } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'
import type { EgressConfig } from './config.ts'
import { createDispatcher } from './dispatcher.ts'
import { ConcurrencyGate } from './number-lane.ts'
import { createEgressMetrics } from './egress-metrics.ts'
import { buildHealthServer, readinessChecks } from './health.ts'
import { createInDoubt } from './in-doubt.ts'
import { createLedgerLoader } from './ledger-loader.ts'
import { createOutputs } from './outputs.ts'
import { heartbeatProof, PartitionSession } from './partition-session.ts'
import { startSettlement } from './settlement-runner.ts'
import { createStatusIndex } from './settlement/status-index.ts'
import { createTokenLookup } from './tokens.ts'
import { createInboundObserver } from './inbound-observer.ts'
import { registerAdminRoutes } from './admin-routes.ts'
import { breakerAlert } from './breaker-alerts.ts'
import { CircuitBreakers } from './circuit-breakers.ts'
import { numberState } from './number-states.ts'
import { createThroughput } from './throughput.ts'
import { createTopicWatcher } from './topic-watcher.ts'
import { keyPartitioner, scheduledTopic } from './forward.ts'
import { priorityOf } from './request-decoder.ts'
import { createSuppressionReader, suppressionsTopic } from './suppressions.ts'
import { createConversationViews, type ConversationViews } from './conversation-views.ts'
import { windowTopics, WINDOWS_TOPIC_CONFIGS } from '@wabridge/conversations'
import { createSendChecks } from './send-checks.ts'
import { createFileMediaSource, createMediaResolver, routedMediaSource, type MediaSource } from './media-refs.ts'
import { createMediaStore, mediaStoreConfigOf } from '@wabridge/media-store'
import { createMediaUploads, mediaUploadsTopic } from './media-uploads.ts'

export interface EgressDeps {
  logger: Logger
  clock?: () => number
  graphClient?: GraphApiClient
  /** Identifies this instance in attempt markers (default EGRESS_INSTANCE_ID, else random). */
  instanceId?: string
  /** Called when the consumer crashed beyond kafkajs' own restarts; main.ts shuts the process down. */
  onFatal?: (err: Error) => void
  /** The window tracker and template catalogue (default: conversation-views.ts per EGRESS_WINDOW_MODE and EGRESS_TEMPLATE_CHECK). */
  conversationViews?: ConversationViews
  /** The media store egress reads store_uri files from (default: the filesystem under EGRESS_MEDIA_FILE_ROOTS). */
  mediaSource?: MediaSource
}

/** The attempts topic: egress's internal history of its requests (markers, finals, owners), co-partitioned with requests. */
export const attemptsTopic = (prefix: string) => `${prefix}.egress.attempts`

/** Operators' commands to every egress instance (wabridge numbers resume). */
export const controlTopic = (prefix: string) => `${prefix}.egress.control`
/** Compacted: the latest state of each phone number (breaker, rate, backlog), key = phone number id. */
export const numbersTopic = (prefix: string) => `${prefix}.egress.numbers`

/** A short, stable name of an access token for breaker keys, alerts and logs (never the token). */
export const tokenFingerprint = (token: string) => `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 12)}`

/** How long start() waits for the suppression list to be read (before any bulk request is checked against it), ms. */
const SUPPRESSIONS_CATCH_UP_MS = 5 * 60_000

/** Room below a topic's max.message.bytes kept for batch overhead. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588

export function createEgress (config: EgressConfig, deps: EgressDeps) {
  const logger = deps.logger
  const clock = deps.clock ?? Date.now
  const instance = deps.instanceId ?? config.EGRESS_INSTANCE_ID ?? `egress-${randomUUID().slice(0, 8)}`
  const topics = topicNames(config.TOPIC_PREFIX)
  const attempts = attemptsTopic(config.TOPIC_PREFIX)
  const kafka = createKafkaClient({ brokers: [...config.KAFKA_BROKERS], clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-egress', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const client = deps.graphClient ?? createGraphApiClient({
    baseUrl: config.GRAPH_API_BASE_URL,
    apiVersion: config.GRAPH_API_VERSION,
    connections: config.GRAPH_CONNECTIONS,
    headersTimeoutMs: config.GRAPH_TIMEOUT_MS,
    userAgent: `wabridge-egress (${instance})`
  })
  const onFatal = (err: Error) => { logger.fatal({ err }, 'egress cannot go on'); deps.onFatal?.(err) }
  const loader = createLedgerLoader(kafka, admin, { attemptsTopic: attempts, groupId: config.EGRESS_GROUP_ID, codec, logger, onCrash: onFatal })
  const statuses = createStatusIndex(kafka, {
    topic: topics.inboundStatuses,
    groupId: config.EGRESS_GROUP_ID,
    windowMs: config.EGRESS_STATUS_WINDOW_MS,
    maxEntries: config.EGRESS_STATUS_MAX_ENTRIES,
    clock,
    codec,
    // A failed status's error is classified as a send's would be (it left, so never "retry").
    classifyError: (code) => {
      const errorClass = errorClassOf(decideSend({ code, httpStatus: 400, requestSent: true }))
      return errorClass === 'ambiguous' ? 'permanent' : errorClass
    },
    onCrash: onFatal,
    logger
  })
  // Set from the topics' max.message.bytes at start.
  let maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES
  let outputs = createOutputs(codec, { results: topics.outboundResults, dlq: topics.outboundDlq }, maxMessageBytes)
  const tokenFor = createTokenLookup({ defaultToken: config.WA_ACCESS_TOKEN, tokens: config.WA_ACCESS_TOKENS, phoneWabas: config.WA_PHONE_WABAS })
  const wabaOf = (phoneNumberId: string) => config.WA_PHONE_WABAS?.[phoneNumberId]
  const tokenOf = (phoneNumberId: string) => { const t = tokenFor(phoneNumberId); return t === undefined ? undefined : tokenFingerprint(t) }
  const breakers = config.EGRESS_BREAKERS
    ? new CircuitBreakers({
      probeBaseMs: config.EGRESS_BREAKER_PROBE_BASE_MS,
      probeMaxMs: config.EGRESS_BREAKER_PROBE_MAX_MS,
      clock,
      wabaOf,
      tokenOf,
      keysFor: (n) => {
        const waba = wabaOf(n)
        const token = tokenOf(n)
        return [`number:${n}`, ...(waba === undefined ? [] : [`waba:${waba}`]), ...(token === undefined ? [] : [`token:${token}`])]
      }
    })
    : undefined
  const throughput = createThroughput({
    client,
    tokenFor,
    defaultMps: config.EGRESS_DEFAULT_MPS,
    highMps: config.EGRESS_HIGH_MPS,
    overrides: config.EGRESS_MPS_OVERRIDES ?? {},
    coexistence: new Set(config.EGRESS_COEXISTENCE_NUMBERS ?? []),
    numbers: () => [...Object.keys(config.WA_PHONE_WABAS ?? {}), ...Object.keys(config.EGRESS_MPS_OVERRIDES ?? {}), ...(config.EGRESS_COEXISTENCE_NUMBERS ?? []), ...dispatcher.lanes.keys()],
    onChange: (phoneNumberId, rate) => {
      dispatcher.lanes.get(phoneNumberId)?.lane.setBaseRate(rate.mps)
      void publishStates()
    },
    logger
  })
  /** Numbers whose throughput level was asked for once (a number first seen is read from Meta). */
  const levelAsked = new Set<string>()
  const rateFor = (phoneNumberId: string) => {
    if (!levelAsked.has(phoneNumberId) && state === 'running') { levelAsked.add(phoneNumberId); void throughput.refresh(phoneNumberId) }
    return throughput.rateFor(phoneNumberId).mps
  }
  const reports = createProducer(kafka)
  const suppressions = createSuppressionReader(kafka, admin, { topic: suppressionsTopic(config.TOPIC_PREFIX), groupId: config.EGRESS_GROUP_ID, codec, onCrash: onFatal, logger })
  /** The suppression holding for a bulk request's recipient, in its number's scope (its WABA, else the number). */
  const suppressionOf = (record: OutboundRequest) => priorityOf(record) === 'bulk'
    ? suppressions.lookup(suppressionScope(record.phone_number_id, wabaOf), recipientWaId(record.to), clock())
    : undefined
  const views = deps.conversationViews ?? createConversationViews(kafka, admin, {
    prefix: config.TOPIC_PREFIX,
    groupId: config.EGRESS_GROUP_ID,
    windowMode: config.EGRESS_WINDOW_MODE,
    templateCheck: config.EGRESS_TEMPLATE_CHECK,
    codec,
    logger,
    clock,
    onCrash: onFatal
  })
  const windows = config.EGRESS_WINDOW_MODE === 'off' ? undefined : views.windows
  const templates = config.EGRESS_TEMPLATE_CHECK === 'off' ? undefined : views.templates
  // store_uri files: the media store's (MEDIA_STORE_URL), plain files under EGRESS_MEDIA_FILE_ROOTS.
  const mediaStore = config.MEDIA_STORE_URL === undefined ? undefined : createMediaStore(mediaStoreConfigOf({ ...config, MEDIA_STORE_URL: config.MEDIA_STORE_URL }))
  const uploads = createMediaUploads(kafka, admin, { topic: mediaUploadsTopic(config.TOPIC_PREFIX), groupId: config.EGRESS_GROUP_ID, codec, producer: reports, onCrash: onFatal, logger })
  // Set from the scheduled topic's partition count at start.
  let scheduledPartitionFor = keyPartitioner(config.KAFKA_TOPIC_PARTITIONS)
  const timers = new Set<NodeJS.Timeout>()
  // The consumer and the dispatcher call each other through callbacks that run only after start().
  const calls = new ConcurrencyGate(config.GRAPH_CONNECTIONS)
  const metrics = createEgressMetrics({ buffered: () => dispatcher.buffered(), inFlight: () => calls.inFlight })
  let lastHeartbeatAt = 0
  // No send starts between "the group is rebalancing" and the new assignment (see DeliveryDeps.mayStart).
  let rebalance: { done: Promise<void>, end: () => void } | undefined
  const mayStart = async () => { for (let r = rebalance; r; r = rebalance) await r.done }
  let assignment = new Set<number>()
  let assignedOnce = false
  const consumer = createConsumer(kafka, {
    groupId: config.EGRESS_GROUP_ID,
    topics: [topics.outboundRequests],
    fromBeginning: true,
    partitionsConsumedConcurrently: config.KAFKA_TOPIC_PARTITIONS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    heartbeatIntervalMs: heartbeatIntervalFor(config.KAFKA_SESSION_TIMEOUT_MS),
    // Short fetch waits keep shutdown and rebalances quick; an idle partition costs a poll per 500 ms.
    maxWaitTimeMs: 500,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onRebalancing: () => {
      if (rebalance) return
      let end!: () => void
      const done = new Promise<void>((resolve) => { end = resolve })
      rebalance = { done, end }
    },
    onAssignment: (a) => {
      const ended = rebalance
      rebalance = undefined
      ended?.end()
      assignment = new Set(a[topics.outboundRequests] ?? [])
      assignedOnce = true
      dispatcher.assigned([...assignment])
    },
    onCrash: (err) => onFatal(err)
  })
  consumer.kafkajs.on(consumer.kafkajs.events.HEARTBEAT, () => { lastHeartbeatAt = Date.now() })
  const stopSettlement = new Map<number, () => void>()
  const dispatcher = createDispatcher({
    requestsTopic: topics.outboundRequests,
    rateFor,
    marginMs: config.EGRESS_WINDOW_MARGIN_MS,
    maxBufferedPerPartition: config.EGRESS_MAX_BUFFERED_PER_PARTITION,
    maxInFlight: config.GRAPH_MAX_IN_FLIGHT
  }, {
    codec,
    delivery: {
      client,
      get outputs () { return outputs },
      metrics,
      clock,
      instance,
      calls,
      tokenFor,
      breakers: breakers !== undefined,
      maintenancePauseMs: config.EGRESS_MAINTENANCE_PAUSE_MS,
      onMaintenance: (phoneNumberId) => {
        // An upgrade may be under way: its level is read again after the pause.
        const t = setTimeout(() => { timers.delete(t); void throughput.refresh(phoneNumberId) }, config.EGRESS_MAINTENANCE_PAUSE_MS)
        timers.add(t)
      },
      retry: { maxAttempts: config.EGRESS_MAX_ATTEMPTS, baseMs: config.EGRESS_RETRY_BASE_MS, maxMs: config.EGRESS_RETRY_MAX_MS },
      inDoubt: createInDoubt({ statuses, waitMs: config.EGRESS_IN_DOUBT_WAIT_MS, settlementWindowMs: config.EGRESS_SETTLEMENT_WINDOW_MS, clock }),
      stampAt: config.EGRESS_RATE_STAMP,
      mayStart,
      suppressionOf,
      checks: createSendChecks({
        windowMode: config.EGRESS_WINDOW_MODE,
        syncMs: config.EGRESS_WINDOW_SYNC_MS,
        ...(windows && { windows }),
        templateCheck: config.EGRESS_TEMPLATE_CHECK,
        ...(templates && { templates }),
        wabaOf,
        clock,
        metrics
      }),
      media: createMediaResolver({
        client,
        source: deps.mediaSource ?? routedMediaSource(mediaStore, createFileMediaSource(config.EGRESS_MEDIA_FILE_ROOTS ?? [])),
        uploads,
        calls,
        clock,
        ttlMs: config.EGRESS_MEDIA_ID_TTL_MS,
        onOutcome: (phoneNumberId, outcome) => metrics.mediaUpload(phoneNumberId, outcome)
      })
    },
    forward: { topic: scheduledTopic(config.TOPIC_PREFIX), partitionFor: (key) => scheduledPartitionFor(key) },
    openSession: (partition, committable, onLost) => {
      const session = new PartitionSession({
        partition,
        groupId: config.EGRESS_GROUP_ID,
        requestsTopic: topics.outboundRequests,
        attemptsTopic: attempts,
        instance,
        transactionTimeoutMs: config.EGRESS_TRANSACTION_TIMEOUT_MS,
        takeoverGraceMs: config.EGRESS_TAKEOVER_GRACE_MS,
        dedupWindowMs: config.EGRESS_DEDUP_WINDOW_MS,
        legacyLookbackMs: config.EGRESS_DEDUP_WINDOW_MS,
        maxBatchBytes: Math.floor(maxMessageBytes / 2),
        commitIntervalMs: config.EGRESS_COMMIT_INTERVAL_MS,
        clock
      }, {
        kafka,
        admin,
        codec,
        loader,
        committable,
        lastHeartbeatAt: () => heartbeatProof(lastHeartbeatAt, Date.now(), config.KAFKA_SESSION_TIMEOUT_MS),
        onTransaction: (ms, writes) => metrics.transaction(ms, writes),
        stillAssigned: () => assignment.has(partition),
        onLost: () => {
          stopSettlement.get(partition)?.()
          stopSettlement.delete(partition)
          onLost()
        },
        logger
      })
      stopSettlement.get(partition)?.()
      stopSettlement.set(partition, startSettlement(session, {
        statuses,
        outputs,
        instance,
        windowMs: config.EGRESS_SETTLEMENT_WINDOW_MS,
        clock,
        logger,
        onSettled: (evidence) => metrics.settled(evidence)
      }))
      void session.open()
      return session
    },
    timers: { clock, setTimer: (fn, ms) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) } } },
    onPause: (partition) => consumer.pause(topics.outboundRequests, [partition]),
    onResume: (partition) => consumer.resume(topics.outboundRequests, [partition]),
    onSeek: (partition, offset) => consumer.kafkajs.seek({ topic: topics.outboundRequests, partition, offset: String(offset) }),
    ...(breakers && { breakers }),
    logger
  })

  /** The states of the numbers this instance has lanes for. */
  function numberStates (): NumberState[] {
    const now = clock()
    return [...dispatcher.lanes].map(([phoneNumberId, { lane }]) => numberState({
      phoneNumberId,
      wabaId: wabaOf(phoneNumberId),
      instance,
      blockers: breakers?.blockers(phoneNumberId) ?? [],
      rate: throughput.rateFor(phoneNumberId),
      backlog: lane.size + dispatcher.parkedCount(phoneNumberId),
      now
    }))
  }
  async function publishStates (): Promise<void> {
    if (state !== 'running') return
    const records = await Promise.all(numberStates().map(async (s) => ({
      topic: numbersTopic(config.TOPIC_PREFIX),
      key: s.phone_number_id,
      value: await codec.serialize(numbersTopic(config.TOPIC_PREFIX), 'NumberState', s),
      headers: toKafkaHeaders({ eventId: `${s.phone_number_id}:${s.updated_at}`, contentType: contentTypeFor('NumberState'), schemaFingerprint: codec.fingerprintHex('NumberState') })
    })))
    if (records.length > 0) await reports.send(records).catch((err: unknown) => logger.warn({ err }, 'number states not published'))
  }
  breakers?.onChange((change) => {
    const b = change.breaker
    if (change.type === 'opened') logger.warn({ breaker: b.key, code: b.code, reason: b.reason, trippedBy: b.trippedBy }, 'circuit breaker opened: sending stopped')
    else if (change.type === 'closed') logger.info({ breaker: b.key, by: change.by }, 'circuit breaker closed: sending resumed')
    else logger.info({ breaker: b.key, probes: b.probes, nextProbeAt: b.nextProbeAt }, 'circuit breaker probe refused; next probe later')
    const alert = breakerAlert(change, instance, wabaOf)
    if (alert) {
      void codec.serialize(topics.alerts, 'Alert', alert).then((value) => reports.send([{
        topic: topics.alerts,
        key: `${alert.name}:${alert.scope}`,
        value,
        headers: toKafkaHeaders({ eventId: `${alert.alert_id}:${alert.state}`, contentType: contentTypeFor('Alert'), schemaFingerprint: codec.fingerprintHex('Alert') })
      }])).catch((err: unknown) => logger.error({ err, alert: alert.alert_id }, 'breaker alert not written'))
    }
    void publishStates()
  })
  const startedAt = clock()
  const control = createTopicWatcher(kafka, {
    topic: controlTopic(config.TOPIC_PREFIX),
    groupId: config.EGRESS_GROUP_ID,
    name: 'control',
    since: startedAt - 60_000,
    onCrash: onFatal,
    logger,
    onMessage: async (message) => {
      if (!message.value) return
      const command = (await codec.deserialize(message.value, 'EgressControl')).value
      if (command.command !== 'resume') return
      const closed = breakers?.resume(command.target) ?? []
      logger.info({ target: command.target, by: command.requested_by, closed: closed.map((b) => b.key) }, 'resume command')
    }
  })
  const events = createTopicWatcher(kafka, {
    topic: topics.inboundEvents,
    groupId: config.EGRESS_GROUP_ID,
    name: 'events',
    since: startedAt - 60_000,
    onCrash: onFatal,
    logger,
    onMessage: async (message) => {
      if (!message.value) return
      const event = (await codec.deserialize(message.value, 'InboundEvent')).value
      if (event.field !== 'phone_number_quality_update' || event.event !== 'THROUGHPUT_UPGRADE') return
      const display = (JSON.parse(event.value_json) as { display_phone_number?: unknown }).display_phone_number
      if (typeof display === 'string') await throughput.upgraded(display)
    }
  })
  const inbound = config.EGRESS_COUNT_INBOUND
    ? createInboundObserver(kafka, { topic: topics.inboundMessages, groupId: config.EGRESS_GROUP_ID, lanes: dispatcher.lanes, rateFor, clock, onCrash: onFatal })
    : undefined
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new'
  const health = buildHealthServer({
    isStopping: () => state === 'stopping' || state === 'stopped',
    checks: () => readinessChecks({
      isStarted: state === 'running',
      assignedOnce,
      sessions: dispatcher.sessions(),
      buffered: dispatcher.buffered(),
      inFlight: calls.inFlight,
      suppressions: { caughtUp: suppressions.isCaughtUp, entries: suppressions.size },
      ...(windows && { windows: { caughtUp: windows.isCaughtUp(), entries: windows.size() } }),
      ...(templates && { templates: { caughtUp: templates.isCaughtUp() } })
    })
  })
  registerAdminRoutes(health, { host: config.EGRESS_HOST, token: config.EGRESS_ADMIN_TOKEN, numbers: numberStates, resume: (id) => breakers?.resume(id) ?? [] })

  async function startWithRetry (what: string, start: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + 60_000
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await start()
      } catch (err) {
        if (Date.now() + delay > deadline || state === 'stopping') throw err
        logger.warn({ err }, `${what} could not start yet; trying again`)
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  async function topicLimit (): Promise<number> {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [topics.outboundResults, topics.outboundDlq, attempts].map((name) => ({ type: 2, name, configNames: ['max.message.bytes'] }))
    })
    let limit = Infinity
    for (const resource of described.resources) {
      for (const entry of resource.configEntries) if (entry.configName === 'max.message.bytes') limit = Math.min(limit, Number(entry.configValue))
    }
    return Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_MAX_MESSAGE_BYTES
  }

  return {
    health,
    instance,
    /** This instance's circuit breakers (undefined with EGRESS_BREAKERS=false). */
    breakers,
    /** Each number's rate and its source. */
    throughput,
    /** The states of the numbers this instance sends for (as published to wa.egress.numbers). */
    numberStates,
    /** This instance's copy of the suppression list. */
    suppressions,
    /** The window tracker this instance checks free-form messages against (none with EGRESS_WINDOW_MODE=off or no tracker). */
    windows,
    /** This instance's copy of wa.media.uploads. */
    uploads,
    /** The lane of a number on this instance, if it has one (tests: its base rate). */
    dispatcherLane: (phoneNumberId: string) => dispatcher.lanes.get(phoneNumberId)?.lane,
    async start () {
      await admin.connect()
      const ensured = await ensureTopics(admin, {
        prefix: config.TOPIC_PREFIX,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
        replicationFactor: config.KAFKA_REPLICATION_FACTOR,
        only: ['outboundRequests', 'outboundResults', 'outboundDlq', 'inboundMessages', 'inboundStatuses', 'inboundEvents', 'alerts'],
        extra: [
          { topic: attempts, configs: { 'retention.ms': String(Math.max(7 * 24 * 3600_000, 2 * config.EGRESS_SETTLEMENT_WINDOW_MS)) } },
          { topic: controlTopic(config.TOPIC_PREFIX), configs: { 'retention.ms': String(7 * 24 * 3600_000) } },
          { topic: numbersTopic(config.TOPIC_PREFIX), configs: { 'cleanup.policy': 'compact' } },
          // Requests to send later (the scheduler's input; egress forwards those with a future send_at), key phone_number_id.
          { topic: scheduledTopic(config.TOPIC_PREFIX), configs: { 'retention.ms': String(7 * 24 * 3600_000) } },
          // The suppression list (@wabridge/outreach writes it; egress reads it whole).
          { topic: suppressionsTopic(config.TOPIC_PREFIX), configs: { 'cleanup.policy': 'compact' } },
          // Files of the media store uploaded to a number (egress writes and reads it whole).
          { topic: mediaUploadsTopic(config.TOPIC_PREFIX), configs: { 'cleanup.policy': 'compact' } },
          // The windows (the conversations service writes them; the tracker reads them whole).
          ...(windows ? [{ topic: windowTopics(config.TOPIC_PREFIX).windows, configs: { ...WINDOWS_TOPIC_CONFIGS } }] : [])
        ]
      })
      const scheduled = ensured.mismatched.find((m) => m.topic === scheduledTopic(config.TOPIC_PREFIX))
      if (scheduled) scheduledPartitionFor = keyPartitioner(scheduled.partitions)
      // The statuses topic is read whole by every instance: its partition count does not matter.
      const coPartitioned = new Set([topics.outboundRequests, topics.outboundResults, topics.outboundDlq, attempts])
      const mismatched = ensured.mismatched.filter((m) => coPartitioned.has(m.topic))
      if (mismatched.length > 0) {
        throw new Error(`topics must have ${config.KAFKA_TOPIC_PARTITIONS} partitions (KAFKA_TOPIC_PARTITIONS) to stay co-partitioned: ` +
          mismatched.map((m) => `${m.topic} has ${m.partitions}`).join(', '))
      }
      maxMessageBytes = await topicLimit()
      outputs = createOutputs(codec, { results: topics.outboundResults, dlq: topics.outboundDlq }, maxMessageBytes)
      // Topics just created may have no leader yet on a busy cluster: the readers' first admin calls are tried again.
      // The suppression list is read meanwhile: no bulk request is checked against a list not read yet.
      const suppressionsStarted = startWithRetry('suppression list', () => suppressions.start())
      // Awaited below; a failure before that (the status index's) must not leave it unhandled.
      suppressionsStarted.catch(() => {})
      await startWithRetry('status index', () => statuses.start())
      await startWithRetry('ledger loader', () => loader.start())
      await suppressionsStarted
      if (!await suppressions.caughtUp(Date.now() + SUPPRESSIONS_CATCH_UP_MS)) {
        throw new Error(`the suppression list ${suppressionsTopic(config.TOPIC_PREFIX)} was not read within ${SUPPRESSIONS_CATCH_UP_MS / 1000} s`)
      }
      await startWithRetry('media uploads', () => uploads.start())
      // The windows and the catalogue: /readyz waits for their first load; a check before it is unconfirmed (sent).
      if (windows) await startWithRetry('window tracker', () => windows.start())
      if (templates) await startWithRetry('template catalogue', () => templates.start())
      for (const [what, view] of [['window tracker', windows], ['template catalogue', templates]] as const) {
        if (view && !await view.caughtUp(Date.now() + SUPPRESSIONS_CATCH_UP_MS)) logger.warn({ view: what }, `the ${what} was not read within ${SUPPRESSIONS_CATCH_UP_MS / 1000} s; going on (not ready until it is)`)
      }
      await inbound?.start()
      await reports.start()
      await control.start()
      await events.start()
      await consumer.start({
        eachBatch: ({ batch, resolveOffset, heartbeat, isRunning, isStale }) =>
          dispatcher.handleBatch(batch, resolveOffset, heartbeat, () => isRunning() && !isStale())
      })
      await health.listen({ port: config.EGRESS_PORT, host: config.EGRESS_HOST })
      state = 'running'
      // Meta's throughput levels: now, then periodically; states: periodically.
      void throughput.refreshAll()
      for (const n of throughput.knownNumbers()) levelAsked.add(n)
      if (config.EGRESS_THROUGHPUT_POLL_MS > 0) timers.add(setInterval(() => { void throughput.refreshAll() }, config.EGRESS_THROUGHPUT_POLL_MS))
      if (config.EGRESS_NUMBERS_PUBLISH_MS > 0) timers.add(setInterval(() => { void publishStates() }, config.EGRESS_NUMBERS_PUBLISH_MS))
      logger.info({ instance, port: config.EGRESS_PORT }, 'egress started')
    },
    async stop (deadlineMs = config.SHUTDOWN_TIMEOUT_MS) {
      if (state === 'stopping' || state === 'stopped') return
      const wasRunning = state === 'running'
      state = 'stopping'
      const deadline = Date.now() + deadlineMs
      // Stop fetching, hand queued work back (uncommitted), let sends in flight finish, commit.
      if (wasRunning) consumer.kafkajs.pause([{ topic: topics.outboundRequests }])
      for (const t of timers) { clearTimeout(t); clearInterval(t) }
      timers.clear()
      await dispatcher.close(deadline)
      for (const stop of stopSettlement.values()) stop()
      stopSettlement.clear()
      await consumer.stop()
      await inbound?.stop()
      await control.stop()
      await events.stop()
      await reports.stop()
      await loader.stop()
      await suppressions.stop()
      await uploads.stop()
      mediaStore?.close()
      await windows?.stop()
      await templates?.stop()
      await statuses.stop()
      await client.stop()
      await admin.disconnect()
      await health.close()
      state = 'stopped'
      logger.info({ instance }, 'egress stopped')
    }
  }
}

export type Egress = ReturnType<typeof createEgress>
