/**
 * The parts `wabridge serve <part>` runs, by the package entry of each part's own program: the same
 * module `node services/<part>/dist/main.js` runs (its sources under the `source` condition), so a
 * part served by the CLI has the same configuration, logs, signals and exit codes.
 */
export const SERVE_PARTS = {
  ingress: '@wabridge/ingress/main',
  egress: '@wabridge/egress/main',
  metrics: '@wabridge/metrics/main',
  api: '@wabridge/api/main',
  notifier: '@wabridge/notifier/main',
  webhooks: '@wabridge/webhooks/main',
  sim: '@wabridge/graph-api-sim/main',
  scheduler: '@wabridge/scheduler/main',
  campaigns: '@wabridge/campaigns/main',
  conversations: '@wabridge/conversations-service/main',
  media: '@wabridge/media/main'
} as const

export type ServePart = keyof typeof SERVE_PARTS

export function isServePart (name: string): name is ServePart {
  return Object.hasOwn(SERVE_PARTS, name)
}

/**
 * The global flags given on the command line become the variables the part reads (a part reads
 * only its environment); flags left out leave the environment as it is.
 */
export function toPartEnv (flags: { brokers?: string, prefix?: string, registry?: string }): Record<string, string> {
  const env: Record<string, string> = {}
  if (flags.brokers !== undefined) env.KAFKA_BROKERS = flags.brokers
  if (flags.prefix !== undefined) env.TOPIC_PREFIX = flags.prefix
  if (flags.registry !== undefined) env.SCHEMA_REGISTRY_URL = flags.registry
  return env
}
