import { randomUUID } from 'node:crypto'
import { toKafkaHeaders, createProducer } from '@wabridge/kafka'
import { contentTypeFor, parseOutboundRequestJson, toOutboundRequestRecord, type OutboundResult } from '@wabridge/schemas'
import { CliError, endProgress, progress, type CliContext } from '../context.ts'
import { waitForRecord } from '../wait-for-record.ts'

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

/** Puts one send request on the outbound topic; with --wait prints its result (exit 1 unless accepted). */
export async function send (ctx: CliContext, o: SendOptions): Promise<number> {
  const json = {
    request_id: o.requestId ?? randomUUID(),
    phone_number_id: o.from,
    to: o.to,
    message: messageFromOptions(o),
    ...(expiresAt(o.expiresIn) && { expires_at: expiresAt(o.expiresIn) }),
    ...(metadataFrom(o.meta) && { metadata: metadataFrom(o.meta) })
  }
  let request
  try {
    request = toOutboundRequestRecord(parseOutboundRequestJson(json))
  } catch (err) {
    throw new CliError((err as Error).message, 2)
  }
  const timeoutMs = Number(o.timeout) * 1000
  if (!(timeoutMs > 0)) throw new CliError('--timeout must be a number of seconds', 2)
  const waiting = o.wait
    ? await waitForRecord<OutboundResult>(ctx, ctx.topics.outboundResults, 'OutboundResult', (r) => r.request_id === request.request_id)
    : undefined
  const producer = createProducer(ctx.kafka)
  await producer.start()
  try {
    await producer.send([{
      topic: ctx.topics.outboundRequests,
      key: request.phone_number_id,
      value: await ctx.codec.serialize(ctx.topics.outboundRequests, 'OutboundRequest', request),
      headers: toKafkaHeaders({ eventId: request.request_id!, contentType: contentTypeFor('OutboundRequest'), schemaFingerprint: ctx.codec.fingerprintHex('OutboundRequest') })
    }], { timeoutMs: 15_000 })
  } catch (err) {
    await waiting?.cancel()
    throw new CliError(`could not queue the request: ${(err as Error).message}`)
  } finally {
    await producer.stop()
  }
  process.stdout.write(`queued ${request.request_id} on ${ctx.topics.outboundRequests}\n`)
  if (!waiting) return 0
  const started = Date.now()
  const ticker = setInterval(() => progress(`waiting for the result… ${Math.round((Date.now() - started) / 1000)} s`), 500)
  try {
    const result = await waiting.result(timeoutMs)
    endProgress()
    if (!result) throw new CliError(`no result within ${o.timeout} s: is egress running (npm run egress)?`)
    process.stdout.write(JSON.stringify(result) + '\n')
    return result.status === 'accepted' ? 0 : 1
  } finally {
    clearInterval(ticker)
  }
}
