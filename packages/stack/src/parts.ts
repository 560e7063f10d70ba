import { readFileSync } from 'node:fs'
import { deriveWabaId } from '@wabridge/graph-api-sim'
import { partEntry, type PartEntry } from './part-entry.ts'
import { DEV_SECRETS } from './secrets.ts'

/** One process of the stack. */
export interface PartSpec {
  name: 'sim' | 'ingress' | 'egress' | 'metrics' | 'api' | 'webhooks' | 'notifier' | 'scheduler' | 'campaigns' | 'conversations' | 'media'
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
  conversations: number
  media: number
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
  /** The media worker's store (MEDIA_STORE_URL): file:///<cwd>/.wabridge/media unless set. */
  mediaStoreUrl: string
}

/**
 * glibc settings for metrics, as the image's compose file and Helm chart set them: two malloc arenas,
 * and every allocation of 128 KiB or more (the dedup tables' typed arrays) mapped on its own and
 * returned to the system when freed — glibc otherwise raises that threshold after the first free and
 * keeps later tables in its heap, where freed ones stay resident (docs/benchmarks.md, Metrics).
 */
export const METRICS_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }

/** The number the banner's examples use; against the simulator it belongs to the sim's derived WABA. */
export const EXAMPLE_NUMBER = '106540352242922'

/** The sim's app secret: the first of WA_APP_SECRETS, from the variable, its file or the development one. */
function simAppSecret (env: Record<string, string | undefined>): string {
  const list = env.WA_APP_SECRETS ?? (env.WA_APP_SECRETS_FILE ? readFileSync(env.WA_APP_SECRETS_FILE, 'utf8').trim() : DEV_SECRETS.WA_APP_SECRETS)
  return list.split(',')[0]!.trim()
}

/**
 * The parts in start order: the simulator (when no real Graph API is configured), ingress, egress,
 * metrics, then the parts at the edges of the gateway, together: the HTTP API, the CRM webhooks, the
 * notifier, the scheduler and the campaigns service (they talk to the rest only through Kafka; the
 * campaigns service also asks the Graph API for templates), then the conversations service and the
 * media worker, together (windows and templates; inbound media). The stack stops the simulator
 * first (it feeds ingress), then all the others at once: they meet only in Kafka, which stops last.
 *
 * Against the simulator the stack turns on what the real Graph API does and egress expects: the sim
 * refuses free-form messages outside the customer service window (SIM_ENFORCE_WINDOWS, as egress
 * enforces windows by default), the example number belongs to the sim's WABA (WA_PHONE_WABAS, so
 * the conversations service syncs its template catalogue and egress checks templates against it),
 * and the media worker may download from the sim over plain HTTP on loopback.
 */
export function stackParts (input: PartsInput): PartSpec[] {
  const { env, host, ports, secrets } = input
  const hasSim = !env.GRAPH_API_BASE_URL
  const common: Record<string, string> = {
    KAFKA_BROKERS: input.brokers,
    TOPIC_PREFIX: input.prefix,
    ...hasSim && !env.WA_PHONE_WABAS ? { WA_PHONE_WABAS: `${EXAMPLE_NUMBER}=${deriveWabaId(EXAMPLE_NUMBER)}` } : {}
  }
  const parts: PartSpec[] = []
  if (hasSim) {
    parts.push({
      name: 'sim',
      entry: partEntry('@wabridge/graph-api-sim'),
      nodeFlags: [],
      env: {
        SIM_PORT: String(ports.sim),
        SIM_WEBHOOK_URL: `http://${host}:${ports.ingress}/webhook`,
        SIM_APP_SECRET: simAppSecret(env),
        SIM_ENFORCE_WINDOWS: env.SIM_ENFORCE_WINDOWS ?? 'true'
      },
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
      env: {
        ...common,
        ...pick(secrets, 'WA_ACCESS_TOKEN'),
        PROMETHEUS_PORT: env.EGRESS_PROMETHEUS_PORT ?? '',
        EGRESS_PORT: String(ports.egress),
        GRAPH_API_BASE_URL: input.graphUrl,
        // Egress sends the media worker's files by reference (store_uri), read from the same store.
        MEDIA_STORE_URL: input.mediaStoreUrl
      },
      readyUrl: `http://${host}:${ports.egress}/readyz`
    },
    {
      name: 'metrics',
      entry: partEntry('@wabridge/metrics'),
      // A capped heap: what the service holds is small, the rest is garbage between collections. glibc
      // maps its dedup tables' typed arrays and unmaps them when freed (services/metrics/README.md, Memory).
      nodeFlags: ['--max-old-space-size=512'],
      env: { ...common, ...METRICS_MALLOC_ENV, METRICS_PORT: String(ports.metrics), PROMETHEUS_PORT: ports.prometheus },
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
    },
    // Prometheus only when asked (9472 / 9473 in compose and Helm).
    {
      name: 'conversations',
      entry: partEntry('@wabridge/conversations-service'),
      nodeFlags: [],
      // The template catalogue comes from the Graph API egress sends to, with its token.
      env: { ...common, ...pick(secrets, 'WA_ACCESS_TOKEN'), PROMETHEUS_PORT: env.CONVERSATIONS_PROMETHEUS_PORT ?? '', CONVERSATIONS_PORT: String(ports.conversations), GRAPH_API_BASE_URL: input.graphUrl },
      readyUrl: `http://${host}:${ports.conversations}/readyz`
    },
    {
      name: 'media',
      entry: partEntry('@wabridge/media'),
      nodeFlags: [],
      env: {
        ...common,
        ...pick(secrets, 'WA_ACCESS_TOKEN'),
        PROMETHEUS_PORT: env.MEDIA_PROMETHEUS_PORT ?? '',
        MEDIA_PORT: String(ports.media),
        GRAPH_API_BASE_URL: input.graphUrl,
        MEDIA_STORE_URL: input.mediaStoreUrl,
        // The simulator serves its media links over plain HTTP on loopback; Meta's are HTTPS on its CDN.
        ...hasSim ? { MEDIA_ALLOW_INSECURE_HTTP: env.MEDIA_ALLOW_INSECURE_HTTP ?? 'true', MEDIA_ALLOWED_HOSTS: env.MEDIA_ALLOWED_HOSTS ?? host } : {}
      },
      readyUrl: `http://${host}:${ports.media}/readyz`,
      withPrevious: true
    }
  )
  return parts
}

function pick (from: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => from[n] === undefined ? [] : [[n, from[n]]]))
}
