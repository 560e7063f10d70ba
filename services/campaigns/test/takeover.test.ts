import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { createKafkaClient, toKafkaHeaders } from '@wabridge/kafka'
import { gate, stallableKafka } from '@wabridge/kafka/testing'
import { contentTypeFor, createCodec, type Campaign, type CampaignCommand } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createCampaignView, type CampaignView } from '../src/campaign-view.ts'
import { loadConfig } from '../src/config.ts'
import { CampaignTemplateSchema, type CampaignDefinition } from '../src/definition.ts'
import { createOwner, type Owner } from '../src/owner.ts'
import { ensureCampaignsTopics } from '../src/topics.ts'
import { brokersFromEnv, PHONE, TEMPLATE, testEnv, uniqueName, waitFor } from './helpers.ts'

const codec = createCodec()
const kafkaClient = (clientId: string) => createKafkaClient({ brokers: brokersFromEnv().split(','), clientId })

/** Every committed record of the campaigns topic (read_committed, kafkajs' default), in order. */
async function collectCampaigns (t: TestContext, topic: string): Promise<Campaign[]> {
  const out: Campaign[] = []
  const consumer = kafkaClient('campaigns-fence-reader').consumer({ groupId: uniqueName('campaigns-reader'), maxWaitTimeInMs: 100 })
  await consumer.connect()
  t.after(() => consumer.disconnect())
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = new Set<string>()
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (seen.has(`${partition}:${message.offset}`) || message.value === null) return
      seen.add(`${partition}:${message.offset}`)
      out.push((await codec.deserialize(message.value, 'Campaign')).value)
    }
  })
  return out
}

test('a new owner restored on a commands partition has fenced the old owner: the old one\'s next transaction fails and writes nothing', { timeout: 90_000 }, async (t) => {
  const config = loadConfig(testEnv({ KAFKA_TOPIC_PARTITIONS: '1' }))
  const silent = createLogger({ level: 'silent', name: 'campaigns-test' })
  const admin = kafkaClient('campaigns-fence-admin').admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const topics = await ensureCampaignsTopics(admin, config, silent)
  const producer = kafkaClient('campaigns-fence-commands').producer({ idempotent: true })
  await producer.connect()
  t.after(() => producer.disconnect())
  const create = async (id: string): Promise<void> => {
    const d: CampaignDefinition = { id, name: id, phone_number_id: PHONE, waba_id: null, template: CampaignTemplateSchema.parse(TEMPLATE), send_at: null, rate_cap_mps: null, window_start: null, window_end: null, end_by: null, default_region: null, metadata: {} }
    const command: CampaignCommand = { command_id: randomUUID(), campaign_id: id, phone_number_id: PHONE, command: 'create', issued_at: Date.now(), payload_json: JSON.stringify(d) }
    await producer.send({ topic: topics.commands, messages: [{ key: PHONE, value: await codec.serialize(topics.commands, 'CampaignCommand', command), headers: toKafkaHeaders({ eventId: command.command_id, contentType: contentTypeFor('CampaignCommand'), schemaFingerprint: codec.fingerprintHex('CampaignCommand') }) }] })
  }

  const logOf = (name: string, lines?: string[]) => createLogger({
    level: process.env.TEST_LOG_LEVEL ?? 'warn',
    name,
    destination: new Writable({ write (chunk: Buffer, _encoding, done) { lines?.push(chunk.toString()); if (process.env.TEST_LOG_LEVEL) process.stderr.write(chunk); done() } })
  })
  /** An owner of the group, ticking only when the test says so; its records' times are `now`. */
  const start = async (name: string, kafka: Kafka, now: number, lines?: string[]): Promise<{ owner: Owner, view: CampaignView }> => {
    const logger = logOf(name, lines)
    const view = createCampaignView({ topic: topics.campaigns, groupIdPrefix: uniqueName(`${name}.view`) }, { kafka: kafkaClient(`${name}-view`), admin, codec, logger })
    await view.start()
    t.after(() => view.stop())
    const owner = createOwner({
      topics,
      groupId: config.CAMPAIGNS_GROUP_ID,
      transactionTimeoutMs: 30_000,
      sessionTimeoutMs: config.CAMPAIGNS_SESSION_TIMEOUT_MS,
      maxRestarts: 5,
      restartWindowMs: 600_000,
      tickMs: 3_600_000,
      progressIntervalMs: config.CAMPAIGNS_PROGRESS_INTERVAL_MS,
      inFlightMs: config.CAMPAIGNS_IN_FLIGHT_MS,
      bulkShare: config.CAMPAIGNS_BULK_SHARE,
      defaultMps: config.CAMPAIGNS_DEFAULT_MPS
    }, {
      kafka,
      admin,
      codec,
      logger,
      view,
      clock: () => now,
      monotonic: () => performance.now(),
      rateOf: () => undefined,
      wabaOf: () => undefined,
      loadAudience: async () => [],
      onCrash: (err) => { t.diagnostic(`${name}: consumer crashed: ${err.message}`) }
    })
    await owner.start()
    return { owner, view }
  }
  const OLD_NOW = Date.parse('2026-12-07T10:00:00Z')
  const NEW_NOW = OLD_NOW + 3600_000
  const ids = ['c1', 'c2', 'c3'].map((c) => uniqueName(c))
  const [c1, c2, c3] = ids as [string, string, string]

  // The old owner commits once (c1 created, commands offset 1), then takes c2's command without ticking.
  const oldHold = gate()
  const old = stallableKafka(kafkaClient('campaigns-old'), oldHold)
  const oldLog: string[] = []
  const { owner: oldOwner } = await start('old', old.kafka, OLD_NOW, oldLog)
  t.after(async () => { oldHold.open(); await oldOwner.stop() })
  await waitFor('the old owner restored', () => oldOwner.ready().includes(0), 60_000)
  const records = await collectCampaigns(t, topics.campaigns)
  await create(c1)
  await waitFor('c1 committed by the old owner', async () => { await oldOwner.tick(); return records.some((c) => c.id === c1) })
  await create(c2)
  await waitFor('c2\'s command taken by the old owner', () => old.taken() >= 2)
  // Then its consumer stalls (no fetch, no heartbeat) on c3's command: the group drops it after its
  // session timeout and gives the partition to the new instance; the old one has not noticed.
  old.stall()
  await create(c3)
  await oldHold.reached

  const { owner: newOwner, view: newView } = await start('new', kafkaClient('campaigns-new'), NEW_NOW)
  t.after(() => newOwner.stop())
  await waitFor('the new owner restored the partition', () => newOwner.ready().includes(0), 60_000)

  // The old owner's tick after the takeover: its transaction (c2, commands offset 2) must fail as fenced.
  await oldOwner.tick()
  await waitFor('c3 committed by the new owner', async () => { await newOwner.tick(); return newView.get(c3) })
  // One partition, read in order: c3's record is the last, everything committed before it has been read.
  await waitFor('c3 read', () => records.some((c) => c.id === c3))

  const who = (c: Campaign) => `${ids.indexOf(c.id) >= 0 ? `c${ids.indexOf(c.id) + 1}` : c.id} by ${c.updated_at === OLD_NOW ? 'old' : c.updated_at === NEW_NOW ? 'new' : String(c.updated_at)}`
  assert.deepEqual(records.map(who), ['c1 by old', 'c2 by new', 'c3 by new'], 'each campaign created once; nothing the old owner wrote after the takeover is visible')
  assert.ok(oldLog.some((l) => l.includes('fenced: another instance owns this partition now')), 'the old owner learnt it was fenced')
  assert.deepEqual(oldOwner.ready(), [], 'the old owner gave the partition up')
})
