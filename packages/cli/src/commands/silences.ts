import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import { createProducer, ensureTopics } from '@wabridge/kafka'
import type { Silence, SilenceMatcher, SilenceMatchOp } from '@wabridge/schemas'
import { CliError, type CliContext } from '../context.ts'

// The silences topic of the notifier (services/notifier): compacted, key = silence id, one partition.
const silencesTopic = (ctx: CliContext) => `${ctx.prefix}.notifier.silences`
const COMPACTED = [
  { name: 'cleanup.policy', value: 'compact' }, { name: 'min.cleanable.dirty.ratio', value: '0.1' },
  { name: 'segment.ms', value: '3600000' }, { name: 'delete.retention.ms', value: '86400000' }
]
const OPS: Array<[string, SilenceMatchOp]> = [['=~', 're'], ['!~', 'nre'], ['!=', 'neq'], ['=', 'eq']]

/** Parses `label=value`, `label!=value`, `label=~regex`, `label!~regex` (the notifier's matcher syntax). */
export function parseMatcherFlag (text: string): SilenceMatcher {
  const at = text.search(/!=|=~|!~|=/)
  if (at <= 0) throw new CliError(`--match '${text}' must be label=value, label!=value, label=~regex or label!~regex`, 2)
  const [symbol, op] = OPS.find(([s]) => text.startsWith(s, at))!
  const value = text.slice(at + symbol.length)
  if (op === 're' || op === 'nre') {
    try { RegExp(value) } catch { throw new CliError(`--match '${text}': invalid regular expression`, 2) }
  }
  return { name: text.slice(0, at), op, value }
}

/** Parses 30s, 10m, 2h, 3d into ms. */
export function parseDuration (text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text)
  if (!m) throw new CliError(`--for '${text}' must be a duration like 30m, 2h or 1d`, 2)
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd']
}

const formatMatcher = (m: SilenceMatcher) => `${m.name}${OPS.find(([, op]) => op === m.op)![0]}${m.value}`
const stateOf = (s: Silence, now: number) => now < s.starts_at ? 'pending' : now < s.ends_at ? 'active' : 'expired'

async function ensureTopic (ctx: CliContext): Promise<void> {
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    // ensureTopics also waits until the new partition's leader serves it (createTopics' waitForLeaders
    // does not: a send right after it got "This server does not host this topic-partition").
    await ensureTopics(admin, { prefix: ctx.prefix, partitions: 1, only: [], extra: [{ topic: silencesTopic(ctx), partitions: 1, configs: Object.fromEntries(COMPACTED.map((c) => [c.name, c.value])) }] })
  } finally {
    await admin.disconnect()
  }
}

/** Every silence on the topic (the latest record per id). */
export async function readSilences (ctx: CliContext): Promise<Map<string, Silence>> {
  await ensureTopic(ctx)
  const out = new Map<string, Silence>()
  const admin = ctx.kafka.admin()
  await admin.connect()
  const ends = new Map((await admin.fetchTopicOffsets(silencesTopic(ctx))).filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]))
  await admin.disconnect()
  if (ends.size === 0) return out
  const consumer = ctx.kafka.consumer({ groupId: `wabridge-cli.silences.${randomUUID()}`, maxWaitTimeInMs: 250 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic: silencesTopic(ctx), fromBeginning: true })
    let lastAt = Date.now()
    await new Promise<void>((resolve, reject) => {
      // Compaction may remove the records just below the end: nothing fetched for 3 s means nothing is left.
      const idle = setInterval(() => { if (Date.now() - lastAt > 3000) { clearInterval(idle); resolve() } }, 250)
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          lastAt = Date.now()
          const key = message.key?.toString() ?? ''
          if (message.value === null) out.delete(key)
          else out.set(key, (await ctx.codec.deserialize(message.value, 'Silence')).value)
          if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) ends.delete(partition)
          if (ends.size === 0) { clearInterval(idle); resolve() }
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return out
}

async function writeSilence (ctx: CliContext, s: Silence): Promise<void> {
  await ensureTopic(ctx)
  const producer = createProducer(ctx.kafka)
  await producer.start()
  try {
    await producer.send([{ topic: silencesTopic(ctx), key: s.id, value: await ctx.codec.serialize(silencesTopic(ctx), 'Silence', s) }])
  } finally {
    await producer.stop()
  }
}

export interface SilencesAddOptions { match?: string[], for: string, comment?: string, by?: string }

export async function silencesAdd (ctx: CliContext, o: SilencesAddOptions, clock = Date.now): Promise<number> {
  if (!o.match?.length) throw new CliError('at least one --match label=value is required', 2)
  const matchers = o.match.map(parseMatcherFlag)
  const now = clock()
  const s: Silence = { id: randomUUID(), matchers, starts_at: now, ends_at: now + parseDuration(o.for), created_by: o.by ?? process.env.USER ?? '', comment: o.comment ?? '', updated_at: now }
  await writeSilence(ctx, s)
  process.stdout.write(`${s.id}\n`)
  return 0
}

export async function silencesList (ctx: CliContext, o: { all?: boolean, json?: boolean }, clock = Date.now): Promise<number> {
  const now = clock()
  const rows = [...(await readSilences(ctx)).values()].filter((s) => o.all || stateOf(s, now) !== 'expired').sort((a, b) => b.updated_at - a.updated_at)
  for (const s of rows) {
    process.stdout.write(o.json
      ? JSON.stringify({ ...s, state: stateOf(s, now) }) + '\n'
      : `${s.id}  ${stateOf(s, now).padEnd(7)}  until ${new Date(s.ends_at).toISOString()}  ${s.matchers.map(formatMatcher).join(' ')}${s.comment ? `  # ${s.comment}` : ''}\n`)
  }
  if (!o.json) process.stderr.write(`${rows.length} silence(s)\n`)
  return 0
}

export async function silencesExpire (ctx: CliContext, id: string, clock = Date.now): Promise<number> {
  const s = (await readSilences(ctx)).get(id)
  if (!s) throw new CliError(`no silence ${id}`)
  const now = clock()
  if (s.ends_at > now) await writeSilence(ctx, { ...s, ends_at: Math.max(now, s.starts_at), updated_at: now })
  process.stdout.write(`expired ${id}\n`)
  return 0
}

/** Registers `wabridge silences add|list|expire`. */
export function registerSilences (program: Command, ctx: () => CliContext, done: (code: number) => void): void {
  const collect = (value: string, previous: string[] = []) => [...previous, value]
  const silences = program.command('silences').description('silence alert notifications (the notifier; topic <prefix>.notifier.silences)')
  silences.command('add').description('silence alerts matching every --match for a while; prints the silence id')
    .option('--match <matcher>', 'label=value, label!=value, label=~regex or label!~regex (repeatable; labels: name, severity, scope, phone_number_id, waba_id, …)', collect)
    .requiredOption('--for <duration>', 'how long: 30m, 2h, 1d')
    .option('--comment <text>', 'why')
    .option('--by <name>', 'who (default: $USER)')
    .action(async (o: SilencesAddOptions) => { done(await silencesAdd(ctx(), o)) })
  silences.command('list').description('active and pending silences')
    .option('--all', 'expired ones too')
    .option('--json', 'JSON lines')
    .action(async (o: { all?: boolean, json?: boolean }) => { done(await silencesList(ctx(), o)) })
  silences.command('expire <id>').description('end a silence now')
    .action(async (id: string) => { done(await silencesExpire(ctx(), id)) })
}
