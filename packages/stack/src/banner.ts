import { EXAMPLE_NUMBER, type StackPorts } from './parts.ts'
import { DEV_SECRETS } from './secrets.ts'

export interface BannerInput {
  brokers: string
  isLocalKafka: boolean
  host: string
  ports: StackPorts
  graphUrl: string
  hasSim: boolean
  /** The notifier's receivers that are configured (by variable), none when it would tell nobody. */
  notifierReceivers: string[]
  /** Where the media worker stores inbound media (MEDIA_STORE_URL). */
  mediaStoreUrl: string
  /** Secrets that are the development ones (printed in full: they are public anyway). */
  devSecrets: Array<keyof typeof DEV_SECRETS>
}

/** What runs where, which secrets are the development ones, and what to try next. */
export function printBanner (write: (text: string) => void, input: BannerInput): void {
  const { host, ports } = input
  const rows = [
    ['Kafka', input.brokers + (input.isLocalKafka ? '  (local broker)' : '  (KAFKA_BROKERS)')],
    ['ingress', `http://${host}:${ports.ingress}/webhook   (GET handshake, POST signed webhooks)`],
    ['egress', `http://${host}:${ports.egress}/readyz   → Graph API ${input.graphUrl}`],
    ['metrics', `http://${host}:${ports.metrics}/v1/usage   Prometheus http://${host}:${ports.prometheus}/metrics`],
    ['api', `http://${host}:${ports.api}/v1/messages   (API keys: npx wabridge keys; OpenAPI /openapi.json)`],
    ['webhooks', `http://${host}:${ports.webhooks}/v1/subscriptions   (signed deliveries to your CRM: npx wabridge subscriptions add)`],
    ['notifier', `http://${host}:${ports.notifier}/v1/silences   receivers: ${input.notifierReceivers.length > 0
      ? input.notifierReceivers.join(', ')
      : 'none (set NOTIFIER_WEBHOOK_URL, NOTIFIER_SLACK_WEBHOOK_URL or NOTIFIER_RECEIVERS_FILE)'}`],
    ['scheduler', `http://${host}:${ports.scheduler}/v1/scheduled   (requests with a future send_at wait here: npx wabridge schedule list|show|cancel)`],
    ['campaigns', `http://${host}:${ports.campaigns}/v1/campaigns   (npx wabridge campaign create; opt-outs: /v1/suppressions, npx wabridge suppressions)`],
    ['conversations', `http://${host}:${ports.conversations}/v1/windows/{phone_number_id}/{wa_id}   (npx wabridge window <number> <customer>; templates: /v1/templates, npx wabridge templates list)`],
    ['media', `http://${host}:${ports.media}/v1/media/{media_id}   (npx wabridge media <media_id>) inbound media stored in ${input.mediaStoreUrl}, announced on <prefix>.inbound.media`],
    ...(input.hasSim ? [['Graph API sim', `http://${host}:${ports.sim}   (control: /_sim/stats)`]] : [])
  ]
  let text = '\n  wabridge is running\n\n'
  for (const [name, where] of rows) text += `  ${name!.padEnd(14)} ${where}\n`
  if (input.devSecrets.length > 0) {
    text += '\n  development secrets (this machine and the simulator only):\n'
    const label = { WA_APP_SECRETS: 'app secret', WA_VERIFY_TOKEN: 'verify token', WA_ACCESS_TOKEN: 'access token' }
    for (const name of Object.keys(DEV_SECRETS) as Array<keyof typeof DEV_SECRETS>) {
      text += `    ${label[name].padEnd(15)} ${input.devSecrets.includes(name) ? DEV_SECRETS[name] : `(${name})`}\n`
    }
  }
  // A free-form message needs the customer's service window open: the customer writes first (or send a template).
  text += `\n  next: npx wabridge simulate --number ${EXAMPLE_NUMBER} --from 16505551234 --rate 1 --seconds 1   (the customer writes: the window opens)\n`
  text += `        npx wabridge send --from ${EXAMPLE_NUMBER} --to +16505551234 --text "Hello" --wait\n`
  text += `        npx wabridge send --from ${EXAMPLE_NUMBER} --to +16505550000 --template hello_world --wait   (a template needs no window)\n`
  text += '        npx wabridge tail wa.outbound.results      Stop: Ctrl-C\n\n'
  write(text)
}

/** The notifier's receiver variables that are set (each also as <NAME>_FILE), for the banner. */
export function notifierReceivers (env: Record<string, string | undefined>): string[] {
  const receivers = ['NOTIFIER_RECEIVERS_FILE', 'NOTIFIER_WEBHOOK_URL', 'NOTIFIER_SLACK_WEBHOOK_URL', 'NOTIFIER_SMTP_URL']
  return receivers.filter((name) => Boolean(env[name]) || (!name.endsWith('_FILE') && Boolean(env[`${name}_FILE`])))
}
