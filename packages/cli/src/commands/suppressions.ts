import type { Command } from 'commander'
import { createSuppressionStore, type SuppressionStore } from '@wabridge/outreach'
import { recipientWaId, suppressionActive, suppressionScope, SUPPRESSION_REASONS, type Suppression, type SuppressionReason } from '@wabridge/schemas'
import { CliError, type CliContext } from '../context.ts'
import { parseDuration } from './silences.ts'

// The suppression list of egress and the campaigns service: compacted, key '{scope}:{wa_id}'.
const suppressionsTopic = (ctx: CliContext) => `${ctx.prefix}.suppressions`

/** WA_PHONE_WABAS (`phone_number_id=waba_id,…`): the scope of --number is its WABA, as egress reads it. */
export function wabaOfFromEnv (text = process.env.WA_PHONE_WABAS ?? ''): (phoneNumberId: string) => string | undefined {
  const map = new Map(text.split(',').map((p) => p.trim()).filter((p) => p.includes('=')).map((p) => p.split('=').map((s) => s.trim()) as [string, string]))
  return (phoneNumberId) => map.get(phoneNumberId)
}

export interface ScopeOptions { scope?: string, number?: string }

/** --scope as given, or the scope of --number (its WABA from WA_PHONE_WABAS, else phone:{id}). */
export function scopeOf (o: ScopeOptions): string {
  if ((o.scope === undefined) === (o.number === undefined)) throw new CliError('give exactly one of --scope <waba_id|phone:id> and --number <phone_number_id>', 2)
  return o.scope ?? suppressionScope(o.number!, wabaOfFromEnv())
}

function waIdOf (to: string): string {
  const waId = recipientWaId(to)
  if (!/^\d{5,15}$/.test(waId)) throw new CliError(`--to '${to}' is not a phone number`, 2)
  return waId
}

async function withStore<T> (ctx: CliContext, use: (store: SuppressionStore) => Promise<T>, clock: () => number): Promise<T> {
  // Created (when missing) with the partitions egress gives it, so that whoever comes first creates the same topic.
  const partitions = Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 12)
  const store = createSuppressionStore({ kafka: ctx.kafka, topic: suppressionsTopic(ctx), codec: ctx.codec, clock, sweepIntervalMs: 0, partitions })
  await store.start()
  try {
    return await use(store)
  } finally {
    await store.stop()
  }
}

const formatRow = (s: Suppression, now: number) =>
  `${s.scope}  ${s.wa_id}  ${s.reason.padEnd(15)}  ${s.expires_at === null ? 'until removed' : `${suppressionActive(s, now) ? 'until' : 'expired'} ${new Date(s.expires_at).toISOString()}`}  ${s.source}${s.created_by ? `  by ${s.created_by}` : ''}`

export interface SuppressionsAddOptions extends ScopeOptions { to: string, reason?: string, for?: string, until?: string, source?: string, by?: string }

export async function suppressionsAdd (ctx: CliContext, o: SuppressionsAddOptions, clock = Date.now): Promise<number> {
  const reason = (o.reason ?? 'manual') as SuppressionReason
  if (!SUPPRESSION_REASONS.includes(reason)) throw new CliError(`--reason must be one of ${SUPPRESSION_REASONS.join(', ')}`, 2)
  if (o.for !== undefined && o.until !== undefined) throw new CliError('give at most one of --for and --until', 2)
  const now = clock()
  const until = o.until === undefined ? undefined : Date.parse(o.until)
  if (until !== undefined && !(until > now)) throw new CliError(`--until '${o.until}' must be a future date-time (2026-12-24T09:00:00Z)`, 2)
  const s: Suppression = {
    scope: scopeOf(o),
    wa_id: waIdOf(o.to),
    reason,
    source: o.source ?? 'cli',
    created_at: now,
    expires_at: o.for !== undefined ? now + parseDuration(o.for) : until ?? null,
    created_by: o.by ?? process.env.USER ?? null
  }
  await withStore(ctx, (store) => store.add(s), clock)
  process.stdout.write(`${formatRow(s, now)}\n`)
  return 0
}

export interface SuppressionsListOptions extends ScopeOptions { reason?: string, limit?: string, all?: boolean, json?: boolean }

export async function suppressionsList (ctx: CliContext, o: SuppressionsListOptions, clock = Date.now): Promise<number> {
  const scope = o.scope === undefined && o.number === undefined ? undefined : scopeOf(o)
  if (o.reason !== undefined && !SUPPRESSION_REASONS.includes(o.reason as SuppressionReason)) throw new CliError(`--reason must be one of ${SUPPRESSION_REASONS.join(', ')}`, 2)
  const limit = o.limit === undefined ? undefined : Number(o.limit)
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CliError('--limit must be a positive integer', 2)
  const rows = await withStore(ctx, async (store) => store.list({ scope, reason: o.reason as SuppressionReason | undefined, limit, all: o.all }), clock)
  const now = clock()
  for (const s of rows) process.stdout.write(o.json ? `${JSON.stringify({ ...s, active: suppressionActive(s, now) })}\n` : `${formatRow(s, now)}\n`)
  if (!o.json) process.stderr.write(`${rows.length} suppression(s)\n`)
  return 0
}

export async function suppressionsRemove (ctx: CliContext, o: ScopeOptions & { to: string }, clock = Date.now): Promise<number> {
  const scope = scopeOf(o)
  const waId = waIdOf(o.to)
  if (!(await withStore(ctx, (store) => store.remove(scope, waId), clock))) throw new CliError(`no suppression of ${waId} in ${scope}`)
  process.stdout.write(`removed ${scope} ${waId}\n`)
  return 0
}

/** Registers `wabridge suppressions add|list|remove`. */
export function registerSuppressions (program: Command, ctx: () => CliContext, done: (code: number) => void): void {
  const suppressions = program.command('suppressions').description('recipients who get no bulk message (opt-outs, stop keywords, per-user limits; topic <prefix>.suppressions)')
  const scoped = (c: Command) => c
    .option('--scope <scope>', 'a WABA id, or phone:<phone_number_id>')
    .option('--number <phone_number_id>', 'a sending number: the scope is its WABA (WA_PHONE_WABAS), else phone:<id>')
  scoped(suppressions.command('add').description('suppress a recipient (replaces its suppression in that scope)'))
    .requiredOption('--to <phone>', 'the recipient (+16505551234 or its wa_id)')
    .option('--reason <reason>', SUPPRESSION_REASONS.join(' | '), 'manual')
    .option('--for <duration>', 'lifted after 30m, 24h, 7d (default: until removed)')
    .option('--until <date-time>', 'lifted at this RFC 3339 time')
    .option('--source <text>', 'evidence, for operators (default: cli)')
    .option('--by <name>', 'who (default: $USER)')
    .action(async (o: SuppressionsAddOptions) => { done(await suppressionsAdd(ctx(), o)) })
  scoped(suppressions.command('list').description('suppressions that hold now, newest first'))
    .option('--reason <reason>', SUPPRESSION_REASONS.join(' | '))
    .option('--limit <n>', 'at most this many')
    .option('--all', 'expired ones too')
    .option('--json', 'JSON lines')
    .action(async (o: SuppressionsListOptions) => { done(await suppressionsList(ctx(), o)) })
  scoped(suppressions.command('remove').description('lift a suppression'))
    .requiredOption('--to <phone>', 'the recipient')
    .action(async (o: ScopeOptions & { to: string }) => { done(await suppressionsRemove(ctx(), o)) })
}
