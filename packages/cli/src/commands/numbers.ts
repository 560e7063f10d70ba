import { randomUUID } from 'node:crypto'
import { hostname, userInfo } from 'node:os'
import type { Command } from 'commander'
import { controlTopic, numbersTopic } from '@wabridge/egress'
import { createProducer, ensureTopics, toKafkaHeaders } from '@wabridge/kafka'
import { contentTypeFor, type EgressControl, type NumberState } from '@wabridge/schemas'
import { CliError, type CliContext } from '../context.ts'

/** A state older than this is shown as stale: its instance stopped publishing (stopped, or the number moved). */
const STALE_MS = 60_000

/** Every number's latest state on the compacted wa.egress.numbers topic (the newest record per number, whichever instance wrote it). */
export async function readNumberStates (ctx: CliContext): Promise<Map<string, NumberState>> {
  const topic = numbersTopic(ctx.prefix)
  const out = new Map<string, NumberState>()
  const admin = ctx.kafka.admin()
  await admin.connect()
  let ends: Map<number, bigint>
  try {
    if (!(await admin.listTopics()).includes(topic)) return out
    ends = new Map((await admin.fetchTopicOffsets(topic)).filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]))
  } finally {
    await admin.disconnect()
  }
  if (ends.size === 0) return out
  const consumer = ctx.kafka.consumer({ groupId: `wabridge-cli.numbers.${randomUUID()}`, maxWaitTimeInMs: 250 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topic, fromBeginning: true })
    let lastAt = Date.now()
    await new Promise<void>((resolve, reject) => {
      // Compaction may remove the records just below the end: nothing fetched for 3 s means nothing is left.
      const idle = setInterval(() => { if (Date.now() - lastAt > 3000) { clearInterval(idle); resolve() } }, 250)
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          lastAt = Date.now()
          if (message.value !== null) {
            const state = (await ctx.codec.deserialize(message.value, 'NumberState')).value
            const seen = out.get(state.phone_number_id)
            if (!seen || seen.updated_at <= state.updated_at) out.set(state.phone_number_id, state)
          }
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

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** One line of `numbers list`: state (with the breaker's code and since when), rate and its source, backlog. */
export function formatNumberState (s: NumberState, now: number): string {
  const state = s.state === 'sending'
    ? 'sending'
    : `${s.state} (${s.breaker_scope ?? ''} breaker, code ${s.breaker_code ?? '?'} since ${s.open_since === null ? '?' : iso(s.open_since)}${s.next_probe_at === null ? '' : `, next probe ${iso(s.next_probe_at)}`})`
  const rate = `${s.rate_mps} mps (${s.rate_source === 'meta' ? `Meta ${s.throughput_level ?? ''}`.trim() : s.rate_source})`
  const age = Math.max(0, Math.round((now - s.updated_at) / 1000))
  return [
    s.phone_number_id.padEnd(16),
    (s.waba_id ?? '-').padEnd(16),
    state.padEnd(28),
    rate.padEnd(22),
    `backlog ${s.backlog}`.padEnd(14),
    `${s.instance}, ${age} s ago${now - s.updated_at > STALE_MS ? ' (stale)' : ''}`
  ].join('  ')
}

export async function numbersList (ctx: CliContext, o: { json?: boolean }, clock = Date.now): Promise<number> {
  const now = clock()
  const states = [...(await readNumberStates(ctx)).values()].sort((a, b) => a.phone_number_id.localeCompare(b.phone_number_id))
  for (const s of states) process.stdout.write(o.json ? JSON.stringify({ ...s, stale: now - s.updated_at > STALE_MS }) + '\n' : formatNumberState(s, now) + '\n')
  if (!o.json) process.stderr.write(`${states.length} number(s); states published by the egress instances to ${numbersTopic(ctx.prefix)}\n`)
  return 0
}

/** Puts a resume command on wa.egress.control: every egress instance closes the breakers of `id` (a phone number or WABA id) at once. */
export async function numbersResume (ctx: CliContext, id: string, clock = Date.now): Promise<number> {
  if (!/^[\w.:-]{1,64}$/.test(id)) throw new CliError(`'${id}' is not a phone number or WABA id`, 2)
  const topic = controlTopic(ctx.prefix)
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    // ensureTopics waits until the new partition's leader serves it (see silences.ts).
    await ensureTopics(admin, { prefix: ctx.prefix, partitions: 1, only: [], extra: [{ topic, partitions: 1, configs: { 'retention.ms': String(7 * 24 * 3_600_000) } }] })
  } finally {
    await admin.disconnect()
  }
  let by: string | null = null
  try { by = `${userInfo().username}@${hostname()}` } catch { by = null }
  const command: EgressControl = { command_id: randomUUID(), command: 'resume', target: id, requested_at: clock(), requested_by: by }
  const producer = createProducer(ctx.kafka)
  await producer.start()
  try {
    await producer.send([{
      topic,
      key: id,
      value: await ctx.codec.serialize(topic, 'EgressControl', command),
      headers: toKafkaHeaders({ eventId: command.command_id, contentType: contentTypeFor('EgressControl') })
    }])
  } finally {
    await producer.stop()
  }
  process.stdout.write(`resume ${id}: sent to every egress instance (${topic})\n`)
  return 0
}

/** Registers `wabridge numbers list|resume`. */
export function registerNumbers (program: Command, ctx: () => CliContext, done: (code: number) => void): void {
  const numbers = program.command('numbers').description('the business phone numbers egress sends for: circuit breakers, rates, backlogs (topics <prefix>.egress.numbers and <prefix>.egress.control)')
  numbers.command('list').description('each number\'s state (sending, or stopped by an open breaker with its error code and since when, or probing), rate and its source, and backlog')
    .option('--json', 'JSON lines')
    .action(async (o: { json?: boolean }) => { done(await numbersList(ctx(), o)) })
  numbers.command('resume <id>').description('close the circuit breakers of a phone number (its own, its WABA\'s and its token\'s) or of a WABA id now, in every egress instance')
    .action(async (id: string) => { done(await numbersResume(ctx(), id)) })
}
