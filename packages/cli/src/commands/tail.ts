import { randomUUID } from 'node:crypto'
import { fromKafkaHeaders } from '@wabridge/kafka'
import { CliError, resolveTopic, type CliContext } from '../context.ts'

export interface TailOptions {
  fromBeginning?: boolean
  limit?: string
  idleMs?: string
}

/** Bytes as text when they are printable UTF-8, else base64. */
function printable (value: unknown): unknown {
  if (Buffer.isBuffer(value)) {
    const text = value.toString('utf8')
    return /^[\P{Cc}\n\r\t]*$/u.test(text) && !text.includes('\uFFFD') ? text : { base64: value.toString('base64') }
  }
  if (Array.isArray(value)) return value.map(printable)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printable(v)]))
  return value
}

/** Decodes one record value whatever it is: a wabridge Avro record, JSON, or raw bytes. */
export async function decodeValue (ctx: CliContext, value: Buffer | null, contentType: string | undefined): Promise<{ schema?: string, value: unknown }> {
  if (value === null) return { value: null }
  if (contentType?.startsWith('application/json') || value[0] === 0x7b) {
    try { return { schema: 'json', value: JSON.parse(value.toString('utf8')) } } catch {}
  }
  try {
    const decoded = await ctx.codec.deserialize(value)
    return { schema: decoded.schema, value: printable({ ...decoded.value }) }
  } catch (err) {
    return { schema: 'undecodable', value: { error: (err as Error).message, base64: value.toString('base64') } }
  }
}

/** Prints records of a topic as JSON lines until --limit records or --idle-ms without one (or Ctrl-C). */
export async function tail (ctx: CliContext, name: string, o: TailOptions): Promise<number> {
  const topic = resolveTopic(ctx, name)
  const limit = o.limit === undefined ? Infinity : Number(o.limit)
  const idleMs = o.idleMs === undefined ? Infinity : Number(o.idleMs)
  if (!(limit > 0)) throw new CliError('--limit must be a positive number', 2)
  if (!(idleMs > 0)) throw new CliError('--idle-ms must be a positive number of milliseconds', 2)
  const admin = ctx.kafka.admin()
  await admin.connect()
  const exists = (await admin.listTopics()).includes(topic)
  await admin.disconnect()
  if (!exists) throw new CliError(`topic ${topic} does not exist (npx wabridge topics ensure creates the gateway's topics)`)
  const consumer = ctx.kafka.consumer({ groupId: `wabridge-tail-${randomUUID()}`, maxWaitTimeInMs: 200 })
  let printed = 0
  let lastSeen = Date.now()
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => { finish = resolve })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: o.fromBeginning ?? false })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (printed >= limit) return
      lastSeen = Date.now()
      const headers = fromKafkaHeaders(message.headers)
      const decoded = await decodeValue(ctx, message.value, headers.contentType)
      process.stdout.write(JSON.stringify({
        topic,
        partition,
        offset: message.offset,
        timestamp: new Date(Number(message.timestamp)).toISOString(),
        key: message.key?.toString('utf8') ?? null,
        event_id: headers.eventId ?? null,
        schema: decoded.schema ?? null,
        value: decoded.value
      }) + '\n')
      if (++printed >= limit) finish()
    }
  })
  const idle = setInterval(() => { if (Date.now() - lastSeen > idleMs) finish() }, 100)
  process.once('SIGINT', finish)
  await done
  clearInterval(idle)
  await consumer.disconnect()
  return 0
}
