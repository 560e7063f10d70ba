import { metrics, type Meter } from '@opentelemetry/api'
import type { FastifyInstance } from 'fastify'
import { createKafkaClient, createProducer, createTopicView, topicNames } from '@wabridge/kafka'
import { createCodec, type Alert } from '@wabridge/schemas'
import { createLogger, type Logger } from '@wabridge/telemetry'
import { createAlertsReader } from './alerts-reader.ts'
import type { NotifierConfig } from './config.ts'
import { createDispatcher, type Notification } from './dispatcher.ts'
import { readinessChecks } from './health.ts'
import { createInstruments, type Instruments } from './instruments.ts'
import { createNotificationLog } from './notification-log.ts'
import { loadReceiversFile, toRoutingTable } from './receivers-file.ts'
import { createReceiverQueues } from './receivers.ts'
import { buildServer } from './server.ts'
import { createSilenceStore } from './silences.ts'
import { ensureNotifierTopics } from './topics.ts'

/** Resolved alerts are kept this long to recognise their older records when a partition is read again (wa.alerts keeps 30 days). */
const KEEP_RESOLVED_MS = 32 * 24 * 3600_000

export interface NotifierAppDeps {
  logger?: Logger
  /** Clock of grouping, repeats, silences and rate limits, epoch ms. */
  clock?: () => number
  meter?: Meter
  /** Called when Kafka fails for good; the process edge turns it into exit code 1. */
  onFatal?: (err: Error) => void
}

export interface NotifierApp {
  readonly server: FastifyInstance
  /** http://host:port of the API once started. */
  readonly url: string | undefined
  /** Flushes due groups now (the timer does it every NOTIFIER_TICK_MS); tests call it after moving the clock. */
  tick(): void
  /** Firing alerts of the partitions this instance owns. */
  firing(): Alert[]
  /** True when no notification waits or is being delivered. */
  isIdle(): boolean
  start(): Promise<void>
  stop(): Promise<void>
}

export function createNotifierApp (config: NotifierConfig, deps: NotifierAppDeps = {}): NotifierApp {
  const logger = deps.logger ?? createLogger({ level: config.LOG_LEVEL, name: 'notifier' })
  const clock = deps.clock ?? Date.now
  const onCrash = (err: Error) => { logger.error({ err }, 'kafka consumer crashed'); deps.onFatal?.(err) }
  const table = toRoutingTable(config.NOTIFIER_RECEIVERS_FILE ? loadReceiversFile(config.NOTIFIER_RECEIVERS_FILE) : undefined, {
    webhookUrl: config.NOTIFIER_WEBHOOK_URL,
    slackUrl: config.NOTIFIER_SLACK_WEBHOOK_URL,
    smtpUrl: config.NOTIFIER_SMTP_URL,
    emailTo: config.NOTIFIER_EMAIL_TO,
    emailFrom: config.NOTIFIER_EMAIL_FROM
  }, {
    groupBy: config.NOTIFIER_GROUP_BY,
    groupWaitMs: config.NOTIFIER_GROUP_WAIT_MS,
    groupIntervalMs: config.NOTIFIER_GROUP_INTERVAL_MS,
    repeatIntervalMs: config.NOTIFIER_REPEAT_INTERVAL_MS
  })
  if (table.receivers.length === 0) logger.warn('no receivers configured: alerts are read but nobody is notified (NOTIFIER_RECEIVERS_FILE, NOTIFIER_WEBHOOK_URL, …)')
  const kafka = createKafkaClient({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? 'wabridge-notifier', logger: logger.child({ component: 'kafka' }) })
  const admin = kafka.admin()
  const codec = createCodec(config.SCHEMA_REGISTRY_URL ? { registry: config.SCHEMA_REGISTRY_URL } : {})
  const producer = createProducer(kafka, { lingerMs: 0 })
  const silences = createSilenceStore({ topic: config.NOTIFIER_SILENCES_TOPIC }, { producer, codec, clock })
  const log = createNotificationLog({ topic: config.NOTIFIER_LOG_TOPIC }, { producer, codec })
  const dispatcher = createDispatcher(table.routes, { logEntry: log.get, isSilenced: silences.isSilenced })
  let instruments: Instruments | undefined
  let isStarted = false
  let isStopping = false
  let timer: NodeJS.Timeout | undefined
  let lastPruneAt = 0

  async function onDelivered (n: Notification, durationMs: number): Promise<void> {
    instruments?.sent(n.receiver, n.firing.length > 0 ? 'firing' : 'resolved', durationMs)
    const hasFiring = n.notified.some((a) => a.state === 'firing')
    try {
      // Nothing firing left to tell: a tombstone, so the log holds only groups that still matter.
      await log.write(n.id, hasFiring ? { receiver: n.receiver, group_key: n.groupKey, sent_at: clock(), alerts: n.notified } : null)
    } catch (err) {
      logger.error({ err, receiver: n.receiver, group: n.groupKey }, 'notification log write failed: the group may be notified again')
    }
    dispatcher.delivered(n)
    logger.info({ receiver: n.receiver, group: n.groupKey, firing: n.firing.length, resolved: n.resolved.length }, 'notification sent')
  }
  const queues = createReceiverQueues(table.receivers, config, {
    clock,
    logger: logger.child({ component: 'delivery' }),
    externalUrl: () => config.NOTIFIER_EXTERNAL_URL ?? app.url ?? '',
    onDelivered,
    onFailed: (n, err) => {
      instruments?.failed(n.receiver)
      logger.error({ err, receiver: n.receiver, group: n.groupKey }, 'notification failed after its retries: sent again at the group\'s next interval')
    },
    onDropped: (n) => {
      instruments?.dropped(n.receiver)
      logger.warn({ receiver: n.receiver, group: n.groupKey }, 'receiver queue full: oldest waiting notification dropped until the group\'s next interval')
    }
  })
  const views = [
    createTopicView({ topic: config.NOTIFIER_SILENCES_TOPIC, groupIdPrefix: config.NOTIFIER_GROUP_ID, onCrash, onRecord: async (key, value) => silences.apply(key, value === null ? null : (await codec.deserialize(value, 'Silence')).value) }, { kafka, admin, logger }),
    createTopicView({ topic: config.NOTIFIER_LOG_TOPIC, groupIdPrefix: config.NOTIFIER_GROUP_ID, onCrash, onRecord: async (key, value, offset) => log.apply(key, value === null ? null : (await codec.deserialize(value, 'NotificationLogEntry')).value, offset) }, { kafka, admin, logger })
  ] as const
  const reader = createAlertsReader({
    topic: topicNames(config.TOPIC_PREFIX).alerts,
    groupId: config.NOTIFIER_GROUP_ID,
    sessionTimeoutMs: config.NOTIFIER_SESSION_TIMEOUT_MS,
    maxRestarts: config.KAFKA_CONSUMER_MAX_RESTARTS,
    restartWindowMs: config.KAFKA_CONSUMER_RESTART_WINDOW_MS,
    onCrash
  }, {
    kafka,
    admin,
    codec,
    logger: logger.child({ component: 'alerts' }),
    onAlert: (alert, partition) => dispatcher.ingest(alert, partition, clock()),
    onRevoked: (partition) => dispatcher.dropPartition(partition),
    catchUpLog: () => views[1].catchUp(),
    onInvalid: () => instruments?.invalidAlert()
  })

  function tick (): void {
    const now = clock()
    const due = dispatcher.flush(now, { isReady: reader.isReady, isBusy: (id) => queues.get(id.slice(0, id.indexOf('|')))?.has(id) ?? false })
    for (const n of due) queues.get(n.receiver)?.offer(n)
    if (now - lastPruneAt > 3600_000) {
      lastPruneAt = now
      dispatcher.prune(now, KEEP_RESOLVED_MS)
    }
  }

  const server = buildServer({
    logger,
    silences,
    clock,
    host: config.NOTIFIER_HOST,
    adminToken: config.NOTIFIER_ADMIN_TOKEN,
    checks: () => readinessChecks({ isStarted, owned: reader.assigned.length, ready: reader.assigned.filter(reader.isReady).length }),
    isStopping: () => isStopping
  })

  const app: NotifierApp = {
    server,
    get url () {
      const address = server.server.address()
      return address && typeof address === 'object' ? `http://${config.NOTIFIER_HOST}:${address.port}` : undefined
    },
    tick,
    firing: () => dispatcher.firing(),
    isIdle: () => [...queues.values()].every((q) => q.isIdle),
    async start () {
      await admin.connect()
      await ensureNotifierTopics(admin, config, logger)
      await producer.start()
      // The views and the alerts reader join their groups side by side (each join takes seconds); the
      // first flush comes after both, so it knows what is silenced and what was sent (assigned
      // partitions also wait for the log view: alerts-reader.ts).
      for (const q of queues.values()) q.start()
      await Promise.all([...views.map((v) => v.start()), reader.start()])
      instruments = createInstruments(deps.meter ?? metrics.getMeter('wabridge-notifier'), {
        queued: () => [...queues].map(([receiver, q]) => ({ receiver, size: q.size })),
        firing: () => dispatcher.firing().length
      })
      timer = setInterval(tick, config.NOTIFIER_TICK_MS)
      timer.unref()
      await server.listen({ port: config.NOTIFIER_PORT, host: config.NOTIFIER_HOST })
      isStarted = true
      logger.info({ url: app.url, groupId: config.NOTIFIER_GROUP_ID, receivers: [...queues.keys()] }, 'notifier started')
    },
    async stop () {
      if (isStopping) return
      isStopping = true
      // No new flushes, then leave the group so another instance takes the partitions.
      if (timer) clearInterval(timer)
      await reader.stop()
      // Deliveries under way are aborted; their groups were not logged, so the next owner sends them.
      await Promise.all([...queues.values()].map((q) => q.stop()))
      await Promise.all(views.map((v) => v.stop()))
      await producer.stop()
      instruments?.stop()
      await server.close()
      await admin.disconnect()
      logger.info('notifier stopped')
    }
  }
  return app
}
