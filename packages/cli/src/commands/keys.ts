import { randomUUID } from 'node:crypto'
import { Option, type Command } from 'commander'
import { KEYS_TOPIC_CONFIGS } from '@wabridge/api'
import { createProducer, ensureTopics } from '@wabridge/kafka'
import { generateApiKey, type ApiKey } from '@wabridge/schemas'
import { CliError, type CliContext } from '../context.ts'

// API keys of the HTTP API (services/api): records of its compacted keys topic, key = key id. Only
// a SHA-256 of each key's secret is stored; the key itself is printed once, by `keys create`.

export interface KeysCreateOptions { wabas?: string, numbers?: string, rate: string, burst?: string, name?: string, topic?: string }

const topicOf = (ctx: CliContext, topic: string | undefined) => topic ?? `${ctx.prefix}.api.keys`
const ids = (flag: string, list: string | undefined): string[] => {
  const out = (list ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const id of out) if (!/^\d+$/.test(id)) throw new CliError(`${flag} takes ids (digits), comma-separated; got '${id}'`, 2)
  return out
}

/** The record `keys create` writes for these flags (validated), with a new key. */
export function newKeyRecord (o: KeysCreateOptions, now: number): { key: string, record: ApiKey } {
  const wabaIds = ids('--wabas', o.wabas)
  const phoneNumberIds = ids('--numbers', o.numbers)
  if (wabaIds.length + phoneNumberIds.length === 0) throw new CliError('give the key a scope: --wabas and/or --numbers', 2)
  const rate = Number(o.rate)
  if (!(rate > 0) || !Number.isFinite(rate)) throw new CliError('--rate must be a number of requests per second above 0', 2)
  const burst = o.burst === undefined ? Math.max(1, Math.ceil(rate)) : Number(o.burst)
  if (!Number.isInteger(burst) || burst < 1 || burst > 2 ** 31 - 1) throw new CliError('--burst must be a whole number ≥ 1', 2)
  const { keyId, key, secretSha256 } = generateApiKey()
  return {
    key,
    record: { key_id: keyId, name: o.name ?? null, secret_sha256: secretSha256, waba_ids: wabaIds, phone_number_ids: phoneNumberIds, rate_per_second: rate, burst, created_at: now, revoked_at: null }
  }
}

async function ensureKeysTopic (ctx: CliContext, topic: string): Promise<void> {
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    await ensureTopics(admin, { prefix: ctx.prefix, partitions: 1, only: [], extra: [{ topic, partitions: 1, configs: { ...KEYS_TOPIC_CONFIGS } }] })
  } finally {
    await admin.disconnect()
  }
}

/** Every key on the topic: the latest record per key id (a tombstone deletes). */
export async function readKeys (ctx: CliContext, topic: string): Promise<Map<string, ApiKey>> {
  await ensureKeysTopic(ctx, topic)
  const admin = ctx.kafka.admin()
  await admin.connect()
  const ends = new Map<number, bigint>()
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high))
  } finally {
    await admin.disconnect()
  }
  const keys = new Map<string, ApiKey>()
  if (ends.size === 0) return keys
  const consumer = ctx.kafka.consumer({ groupId: `wabridge-cli.keys.${randomUUID()}`, maxWaitTimeInMs: 250 })
  await consumer.connect()
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true })
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) {
            const keyId = message.key?.toString('utf8') ?? ''
            if (message.value === null) keys.delete(keyId)
            else keys.set(keyId, (await ctx.codec.deserialize(message.value, 'ApiKey')).value)
          }
          // The batch's last offset, not its last record's: compaction leaves gaps below the end.
          if (BigInt(batch.lastOffset()) + 1n >= (ends.get(batch.partition) ?? 0n)) ends.delete(batch.partition)
          if (ends.size === 0) resolve()
        }
      }).catch(reject)
    })
  } finally {
    await consumer.disconnect()
  }
  return keys
}

async function writeKey (ctx: CliContext, topic: string, record: ApiKey): Promise<void> {
  const producer = createProducer(ctx.kafka)
  await producer.start()
  try {
    await producer.send([{ topic, key: record.key_id, value: await ctx.codec.serialize(topic, 'ApiKey', record) }], { timeoutMs: 15_000 })
  } finally {
    await producer.stop()
  }
}

/** `keys create`: writes the key's record and prints the key, once. */
export async function keysCreate (ctx: CliContext, o: KeysCreateOptions, clock = Date.now): Promise<number> {
  const { key, record } = newKeyRecord(o, clock())
  const topic = topicOf(ctx, o.topic)
  await ensureKeysTopic(ctx, topic)
  await writeKey(ctx, topic, record)
  process.stdout.write(`${key}\n`)
  process.stderr.write(`created key ${record.key_id}; the key above is shown only now (only its hash is stored): keep it secret\n`)
  return 0
}

const list = (values: string[]) => values.length === 0 ? '-' : values.join(',')

/** `keys list`: one line per key (never the secret, nor its hash). */
export async function keysList (ctx: CliContext, o: { json?: boolean, topic?: string }): Promise<number> {
  const keys = [...(await readKeys(ctx, topicOf(ctx, o.topic))).values()].sort((a, b) => a.created_at - b.created_at)
  for (const k of keys) {
    const view = {
      key_id: k.key_id,
      name: k.name,
      waba_ids: k.waba_ids,
      phone_number_ids: k.phone_number_ids,
      rate_per_second: k.rate_per_second,
      burst: k.burst,
      created_at: new Date(k.created_at).toISOString(),
      revoked_at: k.revoked_at === null ? null : new Date(k.revoked_at).toISOString()
    }
    process.stdout.write(o.json
      ? JSON.stringify(view) + '\n'
      : `${k.key_id}  ${(k.revoked_at === null ? 'active' : 'revoked').padEnd(7)}  wabas ${list(k.waba_ids)}  numbers ${list(k.phone_number_ids)}  ${k.rate_per_second}/s burst ${k.burst}  ${view.created_at}${k.name ? `  ${k.name}` : ''}\n`)
  }
  if (!o.json) process.stderr.write(`${keys.length} key(s)\n`)
  return 0
}

/** `keys revoke <id>`: writes the key's record again with revoked_at; the API refuses it within seconds. */
export async function keysRevoke (ctx: CliContext, keyId: string, o: { topic?: string }, clock = Date.now): Promise<number> {
  const topic = topicOf(ctx, o.topic)
  const record = (await readKeys(ctx, topic)).get(keyId)
  if (!record) throw new CliError(`no key ${keyId} (wabridge keys list shows them)`)
  if (record.revoked_at === null) await writeKey(ctx, topic, { ...record, revoked_at: clock() })
  process.stdout.write(`revoked ${keyId}\n`)
  return 0
}

/** Registers `wabridge keys create|list|revoke`. */
export function registerKeys (program: Command, ctx: () => CliContext, done: (code: number) => void): void {
  const topicOption = () => new Option('--topic <name>', 'the keys topic (default <prefix>.api.keys)').env('API_KEYS_TOPIC')
  const keys = program.command('keys').description('API keys of the HTTP API (services/api; stored hashed on the compacted topic <prefix>.api.keys)')
  keys.command('create').description('make a key scoped to WABAs and/or phone numbers; prints the key once')
    .option('--wabas <ids>', 'WABA ids whose numbers (WA_PHONE_WABAS of the API) the key may use, comma-separated')
    .option('--numbers <ids>', 'phone number ids the key may use, comma-separated')
    .requiredOption('--rate <per_second>', 'requests per second the key may make')
    .option('--burst <n>', 'most requests at once (default: the rate, at least 1)')
    .option('--name <label>', 'who or what uses the key')
    .addOption(topicOption())
    .action(async (o: KeysCreateOptions) => { done(await keysCreate(ctx(), o)) })
  keys.command('list').description('every key: id, state, scope, rate (never the key)')
    .option('--json', 'JSON lines')
    .addOption(topicOption())
    .action(async (o: { json?: boolean, topic?: string }) => { done(await keysList(ctx(), o)) })
  keys.command('revoke <key_id>').description('revoke a key: every API instance refuses it within seconds')
    .addOption(topicOption())
    .action(async (keyId: string, o: { topic?: string }) => { done(await keysRevoke(ctx(), keyId, o)) })
}
