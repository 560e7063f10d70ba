/**
 * CPU time per webhook of each stage of the ingress request path, in this process, without HTTP
 * or Kafka (the producer acknowledges at once): verify the signature, parse, split, the raw record,
 * and publish (dedup, Avro encoding, headers, the size check). Stable on a busy machine where the
 * HTTP benchmark (run.ts) is not, so each change of the path can be measured on its own.
 *
 *   node --conditions=source test/bench/ingress/stages.ts [--webhooks 200000]
 */
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { ROOT_CONTEXT } from '@opentelemetry/api'
import { verifyWebhookSignature } from '@wabridge/webhook-signature'
import { firstEntryId, toRawRecord } from '../../../services/ingress/src/raw-record.ts'
import { parseWebhookJson, splitWebhook } from '../../../services/ingress/src/split-webhook.ts'
import { createInstantPublisher } from './instant-publisher.ts'
import { createWebhookFactory } from './webhooks.ts'

const { values } = parseArgs({ options: { webhooks: { type: 'string', default: '200000' } } })
const n = Number(values.webhooks)
const SECRET = 'bench-app-secret'
const next = createWebhookFactory(SECRET)
const webhooks = Array.from({ length: n }, next)
const headers = { host: '127.0.0.1:8080', connection: 'keep-alive', 'content-type': 'application/json', 'content-length': '400', 'x-hub-signature-256': '' }

const publisher = createInstantPublisher()

const times = { verify: 0, parse: 0, split: 0, raw: 0, publish: 0 }
const t0 = performance.now()
for (const { body, signature } of webhooks) {
  let t = performance.now()
  const verification = verifyWebhookSignature(body, signature, [SECRET])
  if (!verification.ok) throw new Error('bad signature')
  let u = performance.now(); times.verify += u - t; t = u
  const payload = parseWebhookJson(body, 64)
  u = performance.now(); times.parse += u - t; t = u
  const records = splitWebhook(payload, Date.now())
  u = performance.now(); times.split += u - t; t = u
  const raw = toRawRecord({ body, headers: { ...headers, 'x-hub-signature-256': signature }, remoteAddress: '127.0.0.1', receivedAt: Date.now(), wabaId: firstEntryId(payload) })
  u = performance.now(); times.raw += u - t; t = u
  await publisher.publish([...records, raw], ROOT_CONTEXT)
  u = performance.now(); times.publish += u - t
}
const total = performance.now() - t0
for (const [stage, ms] of Object.entries(times)) console.log(`${stage.padEnd(8)} ${(ms * 1000 / n).toFixed(2).padStart(7)} µs`)
console.log(`${'total'.padEnd(8)} ${(total * 1000 / n).toFixed(2).padStart(7)} µs per webhook (${n} webhooks)`)
