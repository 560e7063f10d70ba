import { randomUUID } from 'node:crypto'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createConsumer, createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type InboundStatus, type OutboundRequest, type OutboundResult } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createCampaignsApp, loadConfig, type CampaignsApp, type CampaignsAppDeps } from '../src/index.ts'

export const PHONE = '106540352242922'

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`

/** Env of one test: its own topics and group, one commands partition, a fast tick. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: uniqueName('cmp'),
    KAFKA_TOPIC_PARTITIONS: '1',
    CAMPAIGNS_PORT: '0',
    CAMPAIGNS_TICK_MS: '50',
    CAMPAIGNS_PROGRESS_INTERVAL_MS: '200',
    CAMPAIGNS_SESSION_TIMEOUT_MS: '6000',
    CAMPAIGNS_COMMAND_TIMEOUT_MS: '30000',
    CAMPAIGNS_DEFAULT_TIER: 'TIER_UNLIMITED',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides
  }
}

/** A clock the test moves by hand. */
export function manualClock (start = Date.parse('2026-12-07T10:00:00Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms }, set: (ms: number) => { now = ms } }
}

export async function startApp (t: TestContext, env: Record<string, string>, deps: CampaignsAppDeps = {}, options: { waitOwned?: boolean } = {}): Promise<CampaignsApp> {
  const config = loadConfig(env)
  const app = createCampaignsApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'campaigns-test' }), ...deps })
  t.after(() => app.stop())
  await app.start()
  // The commands partition is assigned and restored: commands apply from now on.
  if (options.waitOwned ?? true) await waitFor('the commands partition', () => app.owned().length >= 1 || undefined, 60_000)
  return app
}

export async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/**
 * Stands in for egress: reads the requests topic and, when `answer` says so, writes the result
 * (accepted by default) to the results topic, and statuses to the statuses topic.
 */
export async function startFakeEgress (t: TestContext, env: Record<string, string>, options: { answer?: (r: OutboundRequest) => 'accepted' | 'failed' | 'none' } = {}) {
  const names = topicNames(env.TOPIC_PREFIX!)
  const kafka = createKafkaClient({ brokers: [brokersFromEnv()], clientId: 'fake-egress' })
  const codec = createCodec()
  const producer = createProducer(kafka, { lingerMs: 0 })
  await producer.start()
  const requests: OutboundRequest[] = []
  // This group never commits, so kafkajs re-delivers records after a rejoin or restart: each record (partition@offset) is
  // pushed to `requests` once (seen) and answered once (answered, set only once its result was sent, so a failed send is retried).
  const seen = new Set<string>()
  const answered = new Set<string>()
  const consumer = createConsumer(kafka, { groupId: uniqueName('fake-egress'), topics: [names.outboundRequests], fromBeginning: true, maxWaitTimeMs: 100 })
  await consumer.start({
    eachBatch: async ({ batch, resolveOffset }) => {
      const results = []
      const answering: string[] = []
      for (const m of batch.messages) {
        resolveOffset(m.offset)
        const key = `${batch.partition}@${m.offset}`
        if (answered.has(key)) continue
        const r = (await codec.deserialize(m.value!, 'OutboundRequest')).value
        if (!seen.has(key)) {
          seen.add(key)
          requests.push(r)
        }
        const outcome = options.answer?.(r) ?? 'accepted'
        answering.push(key)
        if (outcome === 'none') continue
        const result: OutboundResult = {
          request_id: r.request_id!,
          phone_number_id: r.phone_number_id,
          to: r.to,
          status: outcome,
          wamid: outcome === 'accepted' ? `wamid.${r.request_id}` : null,
          wa_id: r.to.replace(/\D/g, ''),
          message_status: null,
          error: outcome === 'failed' ? { code: 131026, subcode: null, message: 'undeliverable', details: null, class: 'permanent', fbtrace_id: null } : null,
          attempts: 1,
          requested_at: r.created_at,
          first_attempt_at: Date.now(),
          completed_at: Date.now(),
          metadata: r.metadata,
          business_usage_json: null,
          app_usage_json: null,
          source_topic: names.outboundRequests,
          source_partition: batch.partition,
          source_offset: m.offset
        }
        results.push({ topic: names.outboundResults, key: r.phone_number_id, value: await codec.serialize(names.outboundResults, 'OutboundResult', result) })
      }
      if (results.length > 0) await producer.send(results)
      for (const key of answering) answered.add(key)
    }
  })
  t.after(async () => { await consumer.stop(); await producer.stop() })
  return {
    requests,
    /** Writes a status webhook record for a request, as ingress would. */
    async status (requestId: string, status: 'delivered' | 'read' | 'failed') {
      const s: InboundStatus = {
        event_id: `${requestId}:${status}`,
        waba_id: '102290129340398',
        phone_number_id: PHONE,
        display_phone_number: '15550000000',
        message_id: `wamid.${requestId}`,
        status,
        recipient_id: '16502530000',
        meta_timestamp: Date.now(),
        received_at: Date.now(),
        biz_opaque_callback_data: requestId,
        conversation_id: null,
        conversation_origin: null,
        pricing_category: null,
        pricing_type: null,
        pricing_model: null,
        pricing_billable: null,
        error_codes: status === 'failed' ? [131049] : [],
        status_json: '{}'
      }
      await producer.send([{ topic: names.inboundStatuses, key: PHONE, value: await codec.serialize(names.inboundStatuses, 'InboundStatus', s) }])
    }
  }
}

/** JSON over the app's HTTP server (fastify inject). */
export async function api (app: CampaignsApp, method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await app.server.inject({ method, url, ...(payload !== undefined && { payload: payload as string }), headers })
  return { status: res.statusCode, body: res.body.length > 0 && (res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body }
}

/** A template with one body parameter from each recipient's "name". */
export const TEMPLATE = { name: 'reminder', language: 'en_US', components: [{ type: 'body', parameters: [{ type: 'text', text: '{{name}}' }] }] }

/** `n` valid US numbers +1650253xxxx. */
export const numbers = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `+1650253${String(from + i).padStart(4, '0')}`)
