import { Kafka, logLevel, type logCreator } from 'kafkajs'
import { produceEncoderFromEnv, PRODUCE_ENCODER_ENV, setupProduceEncoder, type KafkajsModuleLoader, type ProduceEncoder } from './produce-encoder.ts'
import { installConcurrentTransactionsRetry } from './concurrent-transactions-retry.ts'
import { installDegradedMetadata } from './degraded-metadata.ts'
import { installCoordinatorCache } from './coordinator-cache.ts'
import { installRequestQueueFix } from './request-queue-fix.ts'
import { installAdminOffsetRetry } from './admin-offsets.ts'

/** The part of a pino logger the kafkajs adapter needs. */
export interface KafkaLogger {
  error(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

export interface KafkaClientOptions {
  brokers: string[]
  clientId: string
  logger?: KafkaLogger
  /** Milliseconds to wait for a broker connection. Default 3000. */
  connectionTimeoutMs?: number
  /** Milliseconds to wait for a broker response. Default 30000. */
  requestTimeoutMs?: number
  /**
   * The Produce request encoder (produce-encoder.ts): `wabridge` (ours, installed into kafkajs) or
   * `kafkajs` (kafkajs' own). Default: the KAFKA_PRODUCE_ENCODER env var (produceEncoderFromEnv), else `wabridge`. The
   * choice is process-wide: every client of a process must make the same one.
   */
  produceEncoder?: ProduceEncoder
  /** How the encoder check reads kafkajs' package.json and internals (tests inject one). Default: require. */
  kafkajsModules?: KafkajsModuleLoader
}

/**
 * kafkajs logs some messages we deliberately trigger: the partitioner notice (we pass the
 * Java-compatible partitioner explicitly) and the warning about bounded retries on an
 * idempotent producer (we bound them so a produce can fail instead of hanging forever).
 */
const QUIET = [/switched default partitioner/i, /idempotent producer.*retries/i, /retries.*idempotent/i]

/**
 * Errors kafkajs logs at ERROR on every attempt although it retries them itself (leadership moving
 * after topic creation or a broker restart, a group rebalancing, a transaction whose previous one the
 * coordinator is still completing): logged at debug instead.
 */
const TRANSIENT = [/not the leader/i, /leader not available/i, /coordinator is (loading|not available)/i, /rebalanc/i, /not coordinator/i, /concurrent operation on the same transaction/i]

function toLogCreator (logger: KafkaLogger): logCreator {
  return () => ({ namespace, level, log }) => {
    const { message, ...extra } = log
    if (QUIET.some((re) => re.test(message))) return
    const obj = { namespace, ...extra }
    const transient = TRANSIENT.some((re) => re.test(message) || re.test(String(extra.error ?? '')))
    if (transient) logger.debug(obj, message)
    else if (level === logLevel.ERROR) logger.error(obj, message)
    else if (level === logLevel.WARN) logger.warn(obj, message)
    else if (level === logLevel.INFO) logger.debug(obj, message)
    else logger.debug(obj, message)
  }
}

/**
 * A kafkajs client whose logs go to our logger (kafkajs INFO lines become debug), producing with
 * the Produce request encoder chosen by `produceEncoder` / KAFKA_PRODUCE_ENCODER (produce-encoder.ts;
 * logged at info once per client), without kafkajs' negative timers (request-queue-fix.ts), with
 * transaction coordinators cached (coordinator-cache.ts) and CONCURRENT_TRANSACTIONS asked again
 * without a metadata refresh (concurrent-transactions-retry.ts), whose admins' offset requests wait
 * out a leader moving (admin-offsets.ts), and whose requests for every topic's metadata do not fail
 * on another topic's offline partition (degraded-metadata.ts).
 *
 * Throws a ProduceEncoderError instead of creating the client when the `wabridge` encoder is asked
 * for on a kafkajs version or internals it was not verified against, when the env var holds
 * another value, or when another client of the process chose the other encoder.
 */
export function createKafkaClient (options: KafkaClientOptions): Kafka {
  const encoder = options.produceEncoder ?? produceEncoderFromEnv()
  const status = setupProduceEncoder(encoder, options.kafkajsModules)
  options.logger?.info({ produceEncoder: status.encoder, active: status.active, kafkajsVersion: status.kafkajsVersion },
    status.active
      ? `produce encoder: wabridge, active on kafkajs ${status.kafkajsVersion}`
      : `produce encoder: kafkajs' own (wabridge encoder inactive, ${PRODUCE_ENCODER_ENV}=kafkajs) on kafkajs ${status.kafkajsVersion}`)
  installRequestQueueFix()
  installCoordinatorCache()
  installConcurrentTransactionsRetry()
  installDegradedMetadata()
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    ...(options.logger && { logCreator: toLogCreator(options.logger) })
  })
  installAdminOffsetRetry(kafka)
  return kafka
}
