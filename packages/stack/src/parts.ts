import { readFileSync } from 'node:fs'
import { partEntry, type PartEntry } from './part-entry.ts'
import { DEV_SECRETS } from './secrets.ts'

/** One process of the stack. */
export interface PartSpec {
  name: 'sim' | 'ingress' | 'egress' | 'metrics' | 'api' | 'webhooks' | 'notifier' | 'scheduler' | 'campaigns'
  entry: PartEntry
  /** Node flags before the entry, as in the part's root npm script. */
  nodeFlags: string[]
  env: Record<string, string>
  /** Answers 200 once the part takes work. */
  readyUrl: string
  /** Starts together with the part before it instead of once that one is ready (they do not need each other). */
  withPrevious?: boolean
}

/** Where each part listens (its *_PORT), and the metrics service's Prometheus port (PROMETHEUS_PORT). */
export interface StackPorts {
  ingress: number
  egress: number
  metrics: number
  api: number
  notifier: number
  webhooks: number
  scheduler: number
  campaigns: number
  sim: number
  prometheus: string
}

export interface PartsInput {
  env: Record<string, string | undefined>
  brokers: string
  prefix: string
  ports: StackPorts
  /** Development secrets to add (see resolveSecrets). */
  secrets: Record<string, string>
  /** Where egress sends: the simulator unless GRAPH_API_BASE_URL is set. */
  graphUrl: string
  host: string
}

/** The sim's app secret: the first of WA_APP_SECRETS, from the variable, its file or the development one. */
function simAppSecret (env: Record<string, string | undefined>): string {
  const list = env.WA_APP_SECRETS ?? (env.WA_APP_SECRETS_FILE ? readFileSync(env.WA_APP_SECRETS_FILE, 'utf8').trim() : DEV_SECRETS.WA_APP_SECRETS)
  return list.split(',')[0]!.trim()
}

/**
 * The parts in start order: the simulator (when no real Graph API is configured), ingress, egress,
 * metrics, then the parts at the edges of the gateway, together: the HTTP API, the CRM webhooks, the
 * notifier, the scheduler and the campaigns service (they talk to the rest only through Kafka; the
 * campaigns service also asks the Graph API for templates). The stack stops them in reverse (the
 * simulator first): the API, the campaigns and the scheduler stop writing requests before egress
 * stops sending them, and every consumer stops before the parts that feed it.
 */
export function stackParts (input: PartsInput): PartSpec[] {
  const { env, host, ports, secrets } = input
  const common = { KAFKA_BROKERS: input.brokers, TOPIC_PREFIX: input.prefix }
  const parts: PartSpec[] = []
  if (!env.GRAPH_API_BASE_URL) {
    parts.push({
      name: 'sim',
      entry: partEntry('@wabridge/graph-api-sim'),
      nodeFlags: [],
      env: { SIM_PORT: String(ports.sim), SIM_WEBHOOK_URL: `http://${host}:${ports.ingress}/webhook`, SIM_APP_SECRET: simAppSecret(env) },
      readyUrl: `http://${host}:${ports.sim}/_sim/readyz`
    })
  }
  parts.push(
    {
      name: 'ingress',
      entry: partEntry('@wabridge/ingress'),
      nodeFlags: [],
      // PROMETHEUS_PORT is the metrics service's; ingress and egress export only when asked (9465 / 9466).
      env: { ...common, ...pick(secrets, 'WA_APP_SECRETS', 'WA_VERIFY_TOKEN'), PROMETHEUS_PORT: env.INGRESS_PROMETHEUS_PORT ?? '', INGRESS_PORT: String(ports.ingress) },
      readyUrl: `http://${host}:${ports.ingress}/readyz`
    },
    {
      name: 'egress',
      entry: partEntry('@wabridge/egress'),
      // A larger young generation: egress allocates per message (measured in docs/benchmarks.md).
      nodeFlags: ['--max-semi-space-size=64'],
      env: { ...common, ...pick(secrets, 'WA_ACCESS_TOKEN'), PROMETHEUS_PORT: env.EGRESS_PROMETHEUS_PORT ?? '', EGRESS_PORT: String(ports.egress), GRAPH_API_BASE_URL: input.graphUrl },
      readyUrl: `http://${host}:${ports.egress}/readyz`
    },
    {
      name: 'metrics',
      entry: partEntry('@wabridge/metrics'),
      nodeFlags: [],
      env: { ...common, METRICS_PORT: String(ports.metrics), PROMETHEUS_PORT: ports.prometheus },
      readyUrl: `http://${host}:${ports.metrics}/readyz`
    },
    // The edges export Prometheus only when asked too (9467 / 9469 / 9468 / 9470 / 9471 in compose and Helm).
    {
      name: 'api',
      entry: partEntry('@wabridge/api'),
      nodeFlags: [],
      env: { ...common, PROMETHEUS_PORT: env.API_PROMETHEUS_PORT ?? '', API_PORT: String(ports.api) },
      readyUrl: `http://${host}:${ports.api}/readyz`
    },
    {
      name: 'webhooks',
      entry: partEntry('@wabridge/webhooks'),
      nodeFlags: [],
      env: { ...common, PROMETHEUS_PORT: env.WEBHOOKS_PROMETHEUS_PORT ?? '', WEBHOOKS_PORT: String(ports.webhooks) },
      readyUrl: `http://${host}:${ports.webhooks}/readyz`,
      withPrevious: true
    },
    {
      name: 'notifier',
      entry: partEntry('@wabridge/notifier'),
      nodeFlags: [],
      env: { ...common, PROMETHEUS_PORT: env.NOTIFIER_PROMETHEUS_PORT ?? '', NOTIFIER_PORT: String(ports.notifier) },
      readyUrl: `http://${host}:${ports.notifier}/readyz`,
      withPrevious: true
    },
    {
      name: 'scheduler',
      entry: partEntry('@wabridge/scheduler'),
      nodeFlags: [],
      env: { ...common, PROMETHEUS_PORT: env.SCHEDULER_PROMETHEUS_PORT ?? '', SCHEDULER_PORT: String(ports.scheduler) },
      readyUrl: `http://${host}:${ports.scheduler}/readyz`,
      withPrevious: true
    },
    {
      name: 'campaigns',
      entry: partEntry('@wabridge/campaigns'),
      nodeFlags: [],
      // Template lookups and the messaging limit come from the same Graph API egress sends to, with its token.
      env: { ...common, ...pick(secrets, 'WA_ACCESS_TOKEN'), PROMETHEUS_PORT: env.CAMPAIGNS_PROMETHEUS_PORT ?? '', CAMPAIGNS_PORT: String(ports.campaigns), GRAPH_API_BASE_URL: input.graphUrl },
      readyUrl: `http://${host}:${ports.campaigns}/readyz`,
      withPrevious: true
    }
  )
  return parts
}

function pick (from: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => from[n] === undefined ? [] : [[n, from[n]]]))
}
