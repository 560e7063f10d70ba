import type { Command } from 'commander'
import type { WebhookSubscription } from '@wabridge/schemas'
import { EVENT_TYPES, openSubscriptionAdmin, redacted, WebhooksError, type SubscriptionAdmin } from '@wabridge/webhooks'
import { CliError, type CliContext } from '../context.ts'

const DURATION = /^(\d+)(ms|s|m|h|d)$/
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** Parses 500ms, 30s, 10m, 2h, 3d into ms. */
export function parseDurationMs (flag: string, text: string): number {
  const m = DURATION.exec(text)
  if (!m) throw new CliError(`${flag} '${text}' must be a duration like 30m, 24h or 3d`, 2)
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

/** Splits comma-separated and repeated values: --events a,b --events c → [a, b, c]. */
export function splitList (values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0)
}

function line (sub: WebhookSubscription): string {
  const state = sub.enabled ? 'enabled ' : 'disabled'
  const numbers = sub.phone_number_ids.length === 0 ? 'all numbers' : sub.phone_number_ids.join(',')
  const why = sub.enabled ? '' : `  # ${sub.disabled_reason ?? ''}`
  return `${sub.subscription_id}  ${state}  ${sub.url}  ${sub.event_types.join(',')}  ${numbers}${why}`
}

// Opens the subscriptions on Kafka, runs `work`, closes; service errors become one-line CLI errors.
async function withAdmin (ctx: CliContext, work: (admin: SubscriptionAdmin) => Promise<void>): Promise<number> {
  const opened = await openSubscriptionAdmin({
    kafka: ctx.kafka,
    codec: ctx.codec,
    prefix: ctx.prefix,
    logger: { info: () => {}, warn: (message: unknown) => { process.stderr.write(`wabridge: ${String(message)}\n`) } }
  })
  try {
    await work(opened.admin)
    return 0
  } catch (err) {
    if (err instanceof WebhooksError) throw new CliError(err.message, err.code === 'WEBHOOKS_INVALID_SUBSCRIPTION' ? 2 : 1)
    throw err
  } finally {
    await opened.close()
  }
}

const print = (text: string) => { process.stdout.write(`${text}\n`) }

export interface AddOptions { url: string, events?: string[], numbers?: string[], description?: string, json?: boolean }

/** `wabridge subscriptions add`: prints the id and the signing secret (shown only here and by rotate-secret). */
export async function subscriptionsAdd (ctx: CliContext, o: AddOptions): Promise<number> {
  return await withAdmin(ctx, async (admin) => {
    const sub = await admin.add({ url: o.url, eventTypes: splitList(o.events), phoneNumberIds: splitList(o.numbers), description: o.description })
    print(o.json === true ? JSON.stringify(sub) : `${sub.subscription_id}  ${sub.secrets[0]!.secret}`)
  })
}

export async function subscriptionsList (ctx: CliContext, o: { json?: boolean }): Promise<number> {
  return await withAdmin(ctx, async (admin) => {
    for (const sub of admin.list()) print(o.json === true ? JSON.stringify(redacted(sub)) : line(sub))
  })
}

export async function subscriptionsRemove (ctx: CliContext, id: string): Promise<number> {
  return await withAdmin(ctx, async (admin) => { await admin.remove(id) })
}

/** Prints the new secret; the old ones keep signing for --expire-old-in (default 24 h). */
export async function subscriptionsRotate (ctx: CliContext, id: string, o: { expireOldIn?: string }): Promise<number> {
  const graceMs = o.expireOldIn === undefined ? undefined : parseDurationMs('--expire-old-in', o.expireOldIn)
  return await withAdmin(ctx, async (admin) => {
    const sub = await admin.rotateSecret(id, graceMs)
    print(sub.secrets.at(-1)!.secret)
  })
}

export async function subscriptionsEnable (ctx: CliContext, id: string, enabled: boolean): Promise<number> {
  return await withAdmin(ctx, async (admin) => { print(line(await admin.setEnabled(id, enabled))) })
}

/** Sends the subscription's failed deliveries again (same webhook-id; receivers drop what they already have). */
export async function subscriptionsReplay (ctx: CliContext, id: string, o: { since?: string, dryRun?: boolean }): Promise<number> {
  const since = o.since === undefined ? undefined : Date.parse(o.since)
  if (since !== undefined && Number.isNaN(since)) throw new CliError('--since must be an ISO date-time, like 2026-11-24T18:00:00Z', 2)
  return await withAdmin(ctx, async (admin) => {
    if (!admin.get(id).enabled && o.dryRun !== true) throw new CliError(`subscription ${id} is disabled: enable it first (its replayed deliveries would fail again)`)
    const out = await admin.replay(id, { since, dryRun: o.dryRun })
    print(`${o.dryRun === true ? 'would replay' : 'replayed'} ${out.replayed} failed deliveries (${out.scanned} scanned)`)
  })
}

/** Registers `wabridge subscriptions add|list|remove|rotate-secret|enable|disable|replay`. */
export function registerSubscriptions (program: Command, ctx: () => CliContext, done: (code: number) => void): void {
  const collect = (value: string, previous: string[] = []) => [...previous, value]
  const subs = program.command('subscriptions').description('CRM webhook endpoints (the webhooks service; topic <prefix>.webhooks.subscriptions)')
  subs.command('add').description('subscribe an endpoint; prints the subscription id and its signing secret')
    .requiredOption('--url <url>', 'the endpoint events are POSTed to (http or https)')
    .option('--events <types>', `event types, comma-separated or repeated (default all: ${EVENT_TYPES.join(', ')})`, collect)
    .option('--numbers <ids>', 'business phone number ids, comma-separated or repeated (default all)', collect)
    .option('--description <text>', 'free text')
    .option('--json', 'print the whole subscription as JSON')
    .action(async (o: AddOptions) => { done(await subscriptionsAdd(ctx(), o)) })
  subs.command('list').description('every subscription (secrets shortened)')
    .option('--json', 'JSON lines')
    .action(async (o: { json?: boolean }) => { done(await subscriptionsList(ctx(), o)) })
  subs.command('remove <id>').description('delete a subscription (its waiting deliveries go to the failed topic)')
    .action(async (id: string) => { done(await subscriptionsRemove(ctx(), id)) })
  subs.command('rotate-secret <id>').description('add a new signing secret and print it; the old one keeps signing for a while')
    .option('--expire-old-in <duration>', 'how long the old secret keeps signing: 30m, 24h, 3d (default: WEBHOOKS_SECRET_GRACE_MS of the CLI, 24h)')
    .action(async (id: string, o: { expireOldIn?: string }) => { done(await subscriptionsRotate(ctx(), id, o)) })
  subs.command('enable <id>').description('deliver again to a disabled endpoint')
    .action(async (id: string) => { done(await subscriptionsEnable(ctx(), id, true)) })
  subs.command('disable <id>').description('stop delivering (events go to the failed topic, for replay)')
    .action(async (id: string) => { done(await subscriptionsEnable(ctx(), id, false)) })
  subs.command('replay <id>').description('send the failed deliveries of a subscription again')
    .option('--since <iso>', 'only deliveries given up at or after this time')
    .option('--dry-run', 'count, send nothing')
    .action(async (id: string, o: { since?: string, dryRun?: boolean }) => { done(await subscriptionsReplay(ctx(), id, o)) })
}
