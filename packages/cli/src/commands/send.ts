import { randomUUID } from 'node:crypto'
import { toKafkaHeaders, createProducer, ensureTopics } from '@wabridge/kafka'
import { contentTypeFor, MAX_SEND_AHEAD_MS, parseOutboundRequestJson, toOutboundRequestRecord, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'
import { CliError, endProgress, progress, type CliContext } from '../context.ts'
import { waitForRecord } from '../wait-for-record.ts'

/** A request whose send_at is later than now + this goes to the scheduler, as egress decides, ms. */
const SCHEDULE_AFTER_MS = 1000
/** The longest wait setTimeout takes. */
const MAX_WAIT_MS = 2 ** 31 - 1
const DAY_MS = 24 * 60 * 60 * 1000

export interface SendOptions {
  from: string
  to: string
  text?: string
  template?: string
  language: string
  imageLink?: string
  documentLink?: string
  caption?: string
  json?: string
  replyTo?: string
  requestId?: string
  expiresIn?: string
  /** RFC 3339: send no earlier than this (more than 1 s ahead: through the scheduler). */
  sendAt?: string
  /** interactive (default) or bulk. */
  priority?: string
  meta?: string[]
  wait?: boolean
  timeout: string
}

/** Meta's message object from the flags: exactly one of --text, --template, --image-link, --document-link, --json. */
export function messageFromOptions (o: SendOptions): Record<string, unknown> {
  const kinds = [o.text, o.template, o.imageLink, o.documentLink, o.json].filter((v) => v !== undefined)
  if (kinds.length !== 1) throw new CliError('give exactly one of --text, --template, --image-link, --document-link, --json', 2)
  let message: Record<string, unknown>
  if (o.text !== undefined) message = { type: 'text', text: { body: o.text } }
  else if (o.template !== undefined) message = { type: 'template', template: { name: o.template, language: { code: o.language } } }
  else if (o.imageLink !== undefined) message = { type: 'image', image: { link: o.imageLink, ...(o.caption && { caption: o.caption }) } }
  else if (o.documentLink !== undefined) message = { type: 'document', document: { link: o.documentLink, ...(o.caption && { caption: o.caption }) } }
  else {
    try {
      message = JSON.parse(o.json!) as Record<string, unknown>
    } catch {
      throw new CliError('--json must be a JSON object: Meta\'s message object, e.g. {"type":"text","text":{"body":"Hi"}}', 2)
    }
  }
  if (o.replyTo) message.context = { message_id: o.replyTo }
  return message
}

function expiresAt (expiresIn: string | undefined): string | undefined {
  if (expiresIn === undefined) return undefined
  const m = /^(\d+)(s|m|h)$/.exec(expiresIn)
  if (!m) throw new CliError('--expires-in must look like 30s, 10m or 2h', 2)
  return new Date(Date.now() + Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h']).toISOString()
}

function metadataFrom (pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs?.length) return undefined
  const out: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new CliError(`--meta takes key=value, got '${pair}'`, 2)
    out[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return out
}

/** The request record from the flags; exit code 2 for anything the gateway would refuse. */
export function requestFromOptions (o: SendOptions, now: number): OutboundRequest {
  const json = {
    request_id: o.requestId ?? randomUUID(),
    phone_number_id: o.from,
    to: o.to,
    message: messageFromOptions(o),
    ...(expiresAt(o.expiresIn) && { expires_at: expiresAt(o.expiresIn) }),
    ...(o.sendAt !== undefined && { send_at: o.sendAt }),
    ...(o.priority !== undefined && { priority: o.priority }),
    ...(metadataFrom(o.meta) && { metadata: metadataFrom(o.meta) })
  }
  let request: OutboundRequest
  try {
    request = toOutboundRequestRecord(parseOutboundRequestJson(json))
  } catch (err) {
    throw new CliError((err as Error).message, 2)
  }
  if (request.send_at != null && request.send_at > now + MAX_SEND_AHEAD_MS) {
    throw new CliError('--send-at must be at most 365 days ahead', 2)
  }
  return request
}

/** Whether the request goes to the scheduler: its send_at is more than 1 s after `now`. */
export function isScheduled (request: Pick<OutboundRequest, 'send_at'>, now: number): boolean {
  return request.send_at != null && request.send_at > now + SCHEDULE_AFTER_MS
}

/**
 * Creates `<prefix>.outbound.scheduled` when missing, with as many partitions as the requests topic
 * (a number's requests are in the same partition of both), as the scheduler and egress create it.
 */
async function ensureScheduledTopic (ctx: CliContext, topic: string): Promise<void> {
  const admin = ctx.kafka.admin()
  await admin.connect()
  try {
    const existing = await admin.listTopics()
    if (existing.includes(topic)) return
    if (!existing.includes(ctx.topics.outboundRequests)) throw new CliError(`${ctx.topics.outboundRequests} does not exist: run npx wabridge topics ensure (or start the gateway) first`)
    const [meta] = (await admin.fetchTopicMetadata({ topics: [ctx.topics.outboundRequests] })).topics
    await ensureTopics(admin, {
      prefix: ctx.prefix,
      partitions: meta!.partitions.length,
      only: [],
      extra: [{ topic, configs: { 'retention.ms': String(7 * DAY_MS) } }]
    })
  } finally {
    await admin.disconnect()
  }
}

/**
 * Puts one send request on the outbound topic, or on the scheduled topic when its send_at is more
 * than 1 s ahead; with --wait prints its result (exit 1 unless accepted), waiting --timeout seconds
 * after its send_at.
 */
export async function send (ctx: CliContext, o: SendOptions): Promise<number> {
  const request = requestFromOptions(o, Date.now())
  const timeoutMs = Number(o.timeout) * 1000
  if (!(timeoutMs > 0)) throw new CliError('--timeout must be a number of seconds', 2)
  const scheduled = isScheduled(request, Date.now())
  const topic = scheduled ? `${ctx.prefix}.outbound.scheduled` : ctx.topics.outboundRequests
  if (scheduled) await ensureScheduledTopic(ctx, topic)
  const waiting = o.wait
    ? await waitForRecord<OutboundResult>(ctx, ctx.topics.outboundResults, 'OutboundResult', (r) => r.request_id === request.request_id)
    : undefined
  const producer = createProducer(ctx.kafka)
  await producer.start()
  try {
    await producer.send([{
      topic,
      key: request.phone_number_id,
      value: await ctx.codec.serialize(topic, 'OutboundRequest', request),
      headers: toKafkaHeaders({ eventId: request.request_id!, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: ctx.codec.fingerprintHex('OutboundRequest') })
    }], { timeoutMs: 15_000 })
  } catch (err) {
    await waiting?.cancel()
    throw new CliError(`could not queue the request: ${(err as Error).message}`)
  } finally {
    await producer.stop()
  }
  process.stdout.write(scheduled
    ? `scheduled ${request.request_id} on ${topic} for ${new Date(request.send_at!).toISOString()}\n`
    : `queued ${request.request_id} on ${topic}\n`)
  if (!waiting) return 0
  const started = Date.now()
  const ticker = setInterval(() => progress(`waiting for the result… ${Math.round((Date.now() - started) / 1000)} s`), 500)
  try {
    const result = await waiting.result(Math.min(MAX_WAIT_MS, timeoutMs + (scheduled ? request.send_at! - Date.now() : 0)))
    endProgress()
    if (!result) {
      throw new CliError(scheduled
        ? `no result within ${o.timeout} s of its send_at: are the scheduler and egress running?`
        : `no result within ${o.timeout} s: is egress running (npm run egress)?`)
    }
    process.stdout.write(JSON.stringify(result) + '\n')
    return result.status === 'accepted' ? 0 : 1
  } finally {
    clearInterval(ticker)
  }
}
