/**
 * Protocol errors no retry can fix: authorization, invalid requests and topic configs. They make
 * isTransientKafkaError false even when kafkajs wrapped them in a retriable-looking error.
 */
const PERMANENT_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED', 'GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'DELEGATION_TOKEN_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED', 'UNSUPPORTED_SASL_MECHANISM', 'ILLEGAL_SASL_STATE',
  'INVALID_CONFIG', 'INVALID_REPLICATION_FACTOR', 'INVALID_PARTITIONS', 'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_TOPIC_EXCEPTION', 'POLICY_VIOLATION', 'INVALID_REQUEST', 'UNSUPPORTED_VERSION', 'TOPIC_DELETION_DISABLED'
])

/** Protocol errors of a cluster that is stalled, restarting or electing leaders or a controller. */
const TRANSIENT_TYPES = new Set([
  'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_CONTROLLER', 'REQUEST_TIMED_OUT', 'NETWORK_EXCEPTION',
  'BROKER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS_AFTER_APPEND', 'KAFKA_STORAGE_ERROR', 'THROTTLING_QUOTA_EXCEEDED'
])

/** kafkajs errors (by name) of a broker that does not answer or a client whose metadata is missing. */
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError', 'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded', 'KafkaJSBrokerNotFound', 'KafkaJSNoBrokerAvailableError', 'KafkaJSLockTimeout',
  'KafkaJSStaleTopicMetadataAssignment'
])

interface ErrorLike { name?: unknown, type?: unknown, code?: unknown, retriable?: unknown, stack?: unknown, cause?: unknown, errors?: unknown }

/** `err`, its causes and (for kafkajs' aggregate errors) the errors it holds. */
export function errorChain (err: unknown, out: ErrorLike[] = [], depth = 0): ErrorLike[] {
  if (typeof err !== 'object' || err === null || depth > 8 || out.includes(err)) return out
  const e = err as ErrorLike
  out.push(e)
  errorChain(e.cause, out, depth + 1)
  if (Array.isArray(e.errors)) for (const inner of e.errors) errorChain(inner, out, depth + 1)
  return out
}

/**
 * A TypeError thrown inside kafkajs itself: right after a broker stall its admin client can read
 * metadata it failed to load (`admin.listTopics` destructures a null). Not a bug of the caller.
 */
function isKafkajsTypeError (e: ErrorLike): boolean {
  if (e.name !== 'TypeError' || typeof e.stack !== 'string') return false
  const frame = e.stack.split('\n').find((line) => line.trimStart().startsWith('at '))
  return frame !== undefined && /[\\/]kafkajs[\\/]src[\\/]/.test(frame)
}

/**
 * True when `err` (or what it wraps) is what a cluster in a broker stall, restart or leader
 * election answers, so the same call can succeed a little later: timeouts, lost connections,
 * missing metadata, LEADER_NOT_AVAILABLE, NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION, any
 * protocol error kafkajs marks retriable, and kafkajs' own TypeError on missing metadata. False
 * for authorization and invalid-request or -config errors, for wabridge's refusals
 * (KAFKA_TOPICS_UNSAFE) and for everything else.
 */
export function isTransientKafkaError (err: unknown): boolean {
  const chain = errorChain(err)
  if (chain.some((e) => PERMANENT_TYPES.has(e.type as string) || e.name === 'KafkaJSSASLAuthenticationError' || e.code === 'KAFKA_TOPICS_UNSAFE')) return false
  return chain.some((e) => TRANSIENT_NAMES.has(e.name as string) || TRANSIENT_TYPES.has(e.type as string) ||
    (e.name === 'KafkaJSProtocolError' && e.retriable === true) || isKafkajsTypeError(e))
}
