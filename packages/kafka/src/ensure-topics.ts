import { isIP } from 'node:net'
import type { Admin } from 'kafkajs'
import pRetry, { AbortError } from 'p-retry'
import { TOPIC_SPECS, topicNames, type TopicKey } from './topics.ts'
import { isTransientKafkaError } from './transient-errors.ts'

export interface EnsureTopicsOptions {
  /** Topic prefix (TOPIC_PREFIX). */
  prefix: string
  /** Partitions for every created topic. Requests, results and DLQ must share a count (co-partitioned). */
  partitions: number
  /**
   * Replication factor of created topics (KAFKA_REPLICATION_FACTOR). Unset or 0 = automatic: 3 when
   * the cluster has at least 3 brokers, else 1. Topics with 3 or more replicas get min.insync.replicas 2.
   */
  replicationFactor?: number | undefined
  /**
   * Refuse (throw) instead of warning when topics would have one replica on a cluster whose brokers
   * are not on loopback. Default: NODE_ENV=production.
   */
  production?: boolean | undefined
  /** Allow one replica on such a cluster even in production. Default: KAFKA_ALLOW_SINGLE_REPLICA. */
  allowSingleReplica?: boolean | undefined
  /** Where warnings go. Default: process.emitWarning, so they reach stderr without a logger. */
  onWarning?: ((message: string) => void) | undefined
  /** Only these logical topics (default: all). */
  only?: readonly TopicKey[]
  /** Overrides of topic configs, per logical topic (e.g. { inboundRaw: { 'retention.ms': '…' } }). */
  configs?: Partial<Record<TopicKey, Record<string, string>>>
  /** Extra topics by full name with their partition count (e.g. a service's changelog). */
  extra?: ReadonlyArray<{ topic: string, partitions?: number, configs?: Record<string, string> }>
  /**
   * How long transient failures are retried, with backoff (250 ms doubling to 5 s), ms: a cluster
   * whose broker was just stalled or restarted, or is electing leaders or a controller, answers
   * timeouts, LEADER_NOT_AVAILABLE, NOT_CONTROLLER, and kafkajs' admin can throw a TypeError
   * (isTransientKafkaError). So is a cluster with a broker down while topics are to be created
   * (KAFKA_CLUSTER_DEGRADED, see planReplication): the topics wait for it rather than get fewer
   * replicas. Other errors (authorization, invalid config, a refusal) fail at once.
   * An attempt under way is not cut short. Default 60000; 0 = no retry.
   */
  maxRetryTimeMs?: number
  /** Called before each retry with the transient failure and the number of the attempt that failed. */
  onRetry?: ((err: Error, attempt: number) => void) | undefined
}

export interface EnsureTopicsResult {
  created: string[]
  existing: string[]
  /** Existing topics whose partition count differs from the requested one (left as they are). */
  mismatched: Array<{ topic: string, partitions: number, wanted: number }>
  /** The replication factor created topics got (or would have got). */
  replicationFactor: number
  /** Warnings also given to onWarning (one replica on a remote cluster). */
  warnings: string[]
}

/** A broker as the cluster describes it (its advertised address, and its node id when known). */
export interface ClusterBroker { host: string, port: number, nodeId?: number }

export interface ReplicationInput {
  /** The cluster's brokers. */
  brokers: readonly ClusterBroker[]
  /** The configured replication factor; undefined or 0 = automatic. */
  requested: number | undefined
  /** Topics that will be created. */
  creating: readonly string[]
  /** Existing topics (of those wanted) that have a partition with one replica. */
  singleReplicaExisting: readonly string[]
  /**
   * Node ids that replicas of existing topics are assigned to (the wanted topics and
   * __consumer_offsets): a broker that is down is missing from `brokers` but still named here.
   */
  replicaBrokerIds?: readonly number[]
  production: boolean
  allowSingleReplica: boolean
}

export interface ReplicationPlan {
  replicationFactor: number
  /** min.insync.replicas for created topics; undefined = the broker's default. */
  minInsyncReplicas: number | undefined
  warnings: string[]
  /** When set, nothing may be created: the reason, for an error. */
  refusal: string | undefined
  /**
   * Set with `refusal` when the refusal may pass: brokers that existing topics' replicas are
   * assigned to are not in the cluster now (down, restarting or fenced), and creating topics without
   * them would give them fewer replicas than the cluster has brokers for.
   */
  missingBrokerIds?: number[]
}

/** True for localhost, 127.0.0.0/8 and ::1 (names are not resolved: any other name counts as remote). */
export function isLoopbackHost (host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h)
  return false
}

/** KAFKA_REPLICATION_FACTOR set to a number of replicas (unset or 0 is automatic). */
const isExplicitFactor = (requested: number | undefined): boolean => requested !== undefined && requested > 0

/**
 * The brokers that replicas of existing topics name but the cluster does not list now, sorted. None
 * when a broker came without its node id: only comparable when every one has it (describeCluster gives them).
 */
function brokersMissing (brokers: readonly ClusterBroker[], replicaBrokerIds: Iterable<number>): number[] {
  const listed = new Set<number>()
  for (const b of brokers) {
    if (b.nodeId === undefined) return []
    listed.add(b.nodeId)
  }
  return [...new Set(replicaBrokerIds)].filter((id) => !listed.has(id)).sort((a, b) => a - b)
}

/**
 * Decides the replication of created topics and whether one replica is acceptable: on a cluster
 * with a broker off loopback, topics with one replica lose records with that broker. That is a
 * warning, and a refusal in production unless explicitly allowed.
 *
 * The cluster's brokers are those registered now; a broker that is down is not among them. When
 * existing topics have replicas on brokers missing now and topics are to be created with fewer
 * replicas than the cluster would give them (automatic: one instead of three), or cannot be created
 * (an explicit factor above the brokers available), the plan is a refusal that names those brokers
 * and sets `missingBrokerIds`: ensureTopics waits for them instead of creating under-replicated topics.
 */
export function planReplication (input: ReplicationInput): ReplicationPlan {
  const brokerCount = input.brokers.length
  const explicit = isExplicitFactor(input.requested)
  const missingBrokerIds = brokersMissing(input.brokers, input.replicaBrokerIds ?? [])
  // The cluster's size as far as it is known: the brokers there now, and those that existing replicas name.
  const knownCount = brokerCount + missingBrokerIds.length
  const replicationFactor = explicit ? input.requested! : brokerCount >= 3 ? 3 : 1
  const plan: ReplicationPlan = { replicationFactor, minInsyncReplicas: replicationFactor >= 3 ? 2 : undefined, warnings: [], refusal: undefined }
  if (input.creating.length > 0 && missingBrokerIds.length > 0 && (explicit ? replicationFactor > brokerCount : knownCount >= 3 && brokerCount < 3)) {
    // A broker of the cluster is down (a rolling restart, a crash): created now, the topics would get
    // fewer replicas for good (automatic) or could not be created (explicit). Worth waiting for.
    const wanted = explicit ? replicationFactor : 3
    plan.replicationFactor = wanted
    plan.minInsyncReplicas = wanted >= 3 ? 2 : undefined
    plan.missingBrokerIds = missingBrokerIds
    plan.refusal = `the cluster has ${brokerCount} broker(s) available, but existing topics have replicas on broker(s) ${missingBrokerIds.join(', ')} ` +
      `as well, which are down or not registered: topics ${input.creating.join(', ')} are created with ${wanted} replicas once ` +
      `${wanted > brokerCount ? `${wanted} brokers are` : 'they are'} back (${explicit ? `KAFKA_REPLICATION_FACTOR is ${wanted}` : 'KAFKA_REPLICATION_FACTOR is automatic'})`
    return plan
  }
  if (input.creating.length > 0 && replicationFactor > brokerCount) {
    plan.refusal = `KAFKA_REPLICATION_FACTOR is ${replicationFactor} but the cluster has ${brokerCount} broker(s) available; ` +
      `topics ${input.creating.join(', ')} cannot be created`
    return plan
  }
  const single = [...(replicationFactor === 1 ? input.creating : []), ...input.singleReplicaExisting]
  const remote = input.brokers.filter((b) => !isLoopbackHost(b.host))
  if (single.length === 0 || remote.length === 0) return plan
  const why = `topics with one replica on a Kafka cluster whose brokers are not on loopback (${remote.map((b) => `${b.host}:${b.port}`).join(', ')}): ` +
    `${single.join(', ')}. A lost broker disk loses their records.`
  const fix = explicit
    ? 'Set KAFKA_REPLICATION_FACTOR=3 (the cluster needs 3 brokers)'
    : `KAFKA_REPLICATION_FACTOR is automatic and the cluster has ${brokerCount} broker(s); use a cluster of 3 or more`
  if (input.production && !input.allowSingleReplica) {
    plan.refusal = `refusing to run with ${why} ${fix}, or set KAFKA_ALLOW_SINGLE_REPLICA=true if one replica is deliberate.`
  } else {
    plan.warnings.push(`${why} ${fix}${input.allowSingleReplica ? ' (allowed by KAFKA_ALLOW_SINGLE_REPLICA)' : ''}.`)
  }
  return plan
}

/** How often, and how far apart, a cluster that shows two brokers is asked again before automatic replication plans one replica. */
const TWO_BROKER_RECHECKS = 6
const TWO_BROKER_RECHECK_MS = 500

/** Kafka's own topic of group offsets: its replicas name the cluster's brokers. */
const OFFSETS_TOPIC = '__consumer_offsets'

/** KAFKA_ALLOW_SINGLE_REPLICA read the way @wabridge/config's bool() reads it. */
const envFlag = (value: string | undefined) => value !== undefined && ['true', '1', 'yes', 'on', 'y', 'enabled'].includes(value.trim().toLowerCase())

/**
 * Creates the missing gateway topics; never deletes or alters an existing one. Safe to call from
 * several processes at once: a topic created concurrently by someone else counts as existing.
 * Throws (code KAFKA_TOPICS_UNSAFE) when planReplication refuses, before creating anything, and
 * KAFKA_CLUSTER_DEGRADED when brokers that existing replicas name stayed down for maxRetryTimeMs.
 * Transient failures are retried for up to `maxRetryTimeMs` (default 60 s), from the start: each
 * attempt looks again at what exists.
 */
export async function ensureTopics (admin: Admin, options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  const maxRetryTimeMs = options.maxRetryTimeMs ?? 60_000
  return await pRetry(async () => {
    try {
      return await ensureTopicsOnce(admin, options)
    } catch (err) {
      const degraded = (err as { code?: unknown }).code === 'KAFKA_CLUSTER_DEGRADED'
      if (maxRetryTimeMs <= 0 || (!degraded && !isTransientKafkaError(err))) throw new AbortError(err as Error)
      // p-retry never retries a TypeError; kafkajs' own one on missing metadata is transient here.
      throw err instanceof TypeError ? new Error(`kafkajs admin failed: ${err.message}`, { cause: err }) : err
    }
  }, {
    retries: Infinity,
    minTimeout: 250,
    maxTimeout: 5000,
    factor: 2,
    maxRetryTime: maxRetryTimeMs,
    onFailedAttempt: ({ error, attemptNumber, retryDelay }) => { if (retryDelay > 0) options.onRetry?.(error, attemptNumber) }
  })
}

async function ensureTopicsOnce (admin: Admin, options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  const names = topicNames(options.prefix)
  const wanted = TOPIC_SPECS
    .filter((spec) => !options.only || options.only.includes(spec.key))
    .map((spec) => ({
      topic: names[spec.key],
      numPartitions: options.partitions,
      configs: { ...spec.configs, ...options.configs?.[spec.key] }
    }))
  for (const extra of options.extra ?? []) {
    wanted.push({ topic: extra.topic, numPartitions: extra.partitions ?? options.partitions, configs: extra.configs ?? {} })
  }
  const [described, listed] = await Promise.all([admin.describeCluster(), admin.listTopics()])
  let cluster = described
  const present = new Set(listed)
  const missing = wanted.filter((t) => !present.has(t.topic))
  const existingTopics = wanted.filter((t) => present.has(t.topic))
  const mismatched: EnsureTopicsResult['mismatched'] = []
  const singleReplicaExisting: string[] = []
  const replicaBrokerIds = new Set<number>()
  // The group offsets topic says which brokers the cluster has even when none of ours exists yet.
  const probed = [...existingTopics.map((t) => t.topic), ...(missing.length > 0 && present.has(OFFSETS_TOPIC) ? [OFFSETS_TOPIC] : [])]
  if (probed.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: probed })
    for (const t of meta.topics) {
      for (const p of t.partitions) for (const id of p.replicas) replicaBrokerIds.add(id)
      if (t.name === OFFSETS_TOPIC) continue
      const want = existingTopics.find((w) => w.topic === t.name)?.numPartitions
      if (want !== undefined && t.partitions.length !== want) mismatched.push({ topic: t.name, partitions: t.partitions.length, wanted: want })
      if (t.partitions.some((p) => p.replicas.length === 1)) singleReplicaExisting.push(t.name)
    }
  }
  // Two brokers is rarely a whole cluster: more often a third that missed a heartbeat and is fenced
  // for a moment (on a busy cluster, or one still starting). Before automatic replication settles on
  // one replica for good, the cluster is asked again for a few seconds.
  // (Not when existing replicas already name a broker that is missing: that case waits below, retried.)
  if (!isExplicitFactor(options.replicationFactor) && missing.length > 0 && brokersMissing(cluster.brokers, replicaBrokerIds).length === 0) {
    for (let i = 0; cluster.brokers.length === 2 && i < TWO_BROKER_RECHECKS; i++) {
      await new Promise((resolve) => setTimeout(resolve, TWO_BROKER_RECHECK_MS))
      const again = await admin.describeCluster()
      if (again.brokers.length > cluster.brokers.length) cluster = again
    }
  }
  const plan = planReplication({
    brokers: cluster.brokers,
    requested: options.replicationFactor,
    creating: missing.map((t) => t.topic),
    singleReplicaExisting,
    replicaBrokerIds: [...replicaBrokerIds],
    production: options.production ?? process.env.NODE_ENV === 'production',
    allowSingleReplica: options.allowSingleReplica ?? envFlag(process.env.KAFKA_ALLOW_SINGLE_REPLICA)
  })
  if (plan.refusal && plan.missingBrokerIds) throw Object.assign(new Error(plan.refusal), { code: 'KAFKA_CLUSTER_DEGRADED', retryable: true, missingBrokerIds: plan.missingBrokerIds })
  if (plan.refusal) throw Object.assign(new Error(plan.refusal), { code: 'KAFKA_TOPICS_UNSAFE', retryable: false })
  const warn = options.onWarning ?? ((message: string) => process.emitWarning(message, { code: 'WABRIDGE_KAFKA_SINGLE_REPLICA' }))
  for (const w of plan.warnings) warn(w)

  if (missing.length > 0) {
    const minIsr = plan.minInsyncReplicas === undefined ? {} : { 'min.insync.replicas': String(plan.minInsyncReplicas) }
    // Leaders are awaited below: kafkajs' own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a
    // KRaft broker answers while its metadata does not have the new topic yet.
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: plan.replicationFactor,
        configEntries: Object.entries({ ...minIsr, ...t.configs }).map(([name, value]) => ({ name, value }))
      }))
    })
  }
  // KRaft: a broker may answer "not the leader" or "unknown topic" for a moment after the
  // controller created a topic, also one that another instance just created. Clients then back
  // off for seconds; wait here until every partition's leader serves offset requests instead.
  for (const t of wanted) await waitUntilServed(admin, t.topic)
  return {
    created: missing.map((t) => t.topic),
    existing: existingTopics.map((t) => t.topic),
    mismatched,
    replicationFactor: plan.replicationFactor,
    warnings: plan.warnings
  }
}

/** Waits until every partition's leader of `topic` answers offset requests (a new topic is not served at once). */
export async function waitUntilServed (admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await admin.fetchTopicOffsets(topic)
      return
    } catch (err) {
      if (Date.now() > deadline) throw err
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

/**
 * `admin.fetchTopicOffsets(topic)`, retrying transient errors for up to `timeoutMs`: a partition's
 * leader may move just after a topic was created (by this process or another one starting beside
 * it), and "not the leader" must not stop a service that is starting.
 */
export async function fetchTopicOffsetsRetrying (admin: Admin, topic: string, timeoutMs = 30_000): ReturnType<Admin['fetchTopicOffsets']> {
  return await pRetry(async () => {
    try {
      return await admin.fetchTopicOffsets(topic)
    } catch (err) {
      if (!isTransientKafkaError(err)) throw new AbortError(err as Error)
      throw err instanceof TypeError ? new Error(`kafkajs admin failed: ${err.message}`, { cause: err }) : err
    }
  }, { retries: Infinity, minTimeout: 50, maxTimeout: 1000, factor: 2, maxRetryTime: timeoutMs })
}
