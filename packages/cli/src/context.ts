import type { Kafka } from 'kafkajs'
import { createKafkaClient, topicNames, type TopicNames } from '@wabridge/kafka'
import { createCodec, type Codec } from '@wabridge/schemas'

/** Options every command shares (from flags, else environment, else local defaults). */
export interface GlobalOptions {
  brokers: string
  prefix: string
  registry?: string
}

export interface CliContext {
  kafka: Kafka
  codec: Codec
  topics: TopicNames
  prefix: string
}

export function createContext (options: GlobalOptions): CliContext {
  return {
    kafka: createKafkaClient({ brokers: options.brokers.split(','), clientId: 'wabridge-cli', connectionTimeoutMs: 3000 }),
    codec: createCodec(options.registry ? { registry: options.registry } : {}),
    topics: topicNames(options.prefix),
    prefix: options.prefix
  }
}

/** A user-facing failure: printed as one line, exit code 1 (2 for bad usage). */
export class CliError extends Error {
  override readonly name = 'CliError'
  readonly exitCode: number
  constructor (message: string, exitCode = 1) {
    super(message)
    this.exitCode = exitCode
  }
}

/** Progress on stderr, on one line when stderr is a terminal. */
export function progress (text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`)
}

export function endProgress (): void {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K')
}

/** Resolves a topic given in full (wa.outbound.results) or without the prefix (outbound.results). */
export function resolveTopic (ctx: CliContext, name: string): string {
  const known = Object.values(ctx.topics) as string[]
  if (known.includes(name)) return name
  const withPrefix = `${ctx.prefix}.${name}`
  if (known.includes(withPrefix) || name === 'egress.attempts' || name === 'metrics.changelog') return withPrefix
  if (name.startsWith(`${ctx.prefix}.`)) return name
  throw new CliError(`unknown topic '${name}': one of ${known.join(', ')}`, 2)
}
