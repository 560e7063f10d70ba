import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { createGraphApiClient } from '@wabridge/graph-api'
import { createGraphApiSim, type GraphApiSim } from '@wabridge/graph-api-sim'
import { createIngress, loadConfig } from '@wabridge/ingress'
import { brokersFromEnv, readAll, testKafka, uniqueName, waitFor } from '@wabridge/kafka/testing'
import { createCodec, type Alert } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createTemplateCatalogView, createTemplateCatalogWriter, type TemplateCatalogWriter } from '../src/templates/index.ts'

const codec = createCodec()
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'templates-test' })
const WABA = '102290129340398'
const OTHER_WABA = '999000111222333'
const LOCKED_WABA = '555000111222333'
const SECRET = 'templates-test-secret'

/** A real ingress on the prefix, and the simulator posting its signed webhooks to it (template webhooks reach wa.inbound.events as in production). */
async function startSimAndIngress (t: TestContext, prefix: string): Promise<GraphApiSim> {
  const ingress = createIngress(loadConfig({
    KAFKA_BROKERS: brokersFromEnv().join(','),
    TOPIC_PREFIX: prefix,
    INGRESS_PORT: '0',
    INGRESS_HOST: '127.0.0.1',
    WA_APP_SECRETS: SECRET,
    WA_VERIFY_TOKEN: 'verify',
    LOG_LEVEL: 'silent'
  }), { logger })
  await ingress.start()
  t.after(() => ingress.stop())
  // LOCKED_WABA's number has its own token: the writer's token is refused there (190).
  const sim = createGraphApiSim({ pairRate: false, defaultTemplates: false, webhookUrl: `${ingress.url!}/webhook`, appSecret: SECRET, phoneNumbers: { 106540352242999: { wabaId: LOCKED_WABA, token: 'another-token' } } })
  await sim.start()
  t.after(() => sim.stop())
  return sim
}

async function startWriter (t: TestContext, sim: GraphApiSim, prefix: string, o: { pageSize?: number, wabas?: string[] } = {}): Promise<TemplateCatalogWriter> {
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  const graph = createGraphApiClient({ baseUrl: sim.url })
  const writer = createTemplateCatalogWriter({
    kafka,
    admin,
    codec,
    logger,
    graph,
    prefix,
    wabas: o.wabas ?? [WABA],
    tokenFor: () => 'test-token',
    syncIntervalMs: 0,
    retry: { retries: 2, minTimeout: 100, maxTimeout: 500 },
    ...(o.pageSize !== undefined && { pageSize: o.pageSize })
  })
  t.after(async () => {
    await writer.stop()
    await graph.stop()
    await admin.disconnect()
  })
  await writer.start()
  return writer
}

const body = (n: number) => ({ type: 'BODY', text: Array.from({ length: n }, (_, i) => `{{${i + 1}}}`).join(' ') || 'Hello' })

test('the catalogue lists every page at start, follows PENDING → APPROVED → PAUSED by webhook, alerts once, and a sync tombstones what is gone', { timeout: 120_000 }, async (t) => {
  const prefix = uniqueName('tpl')
  const sim = await startSimAndIngress(t, prefix)
  for (let i = 0; i < 23; i++) sim.addTemplate({ wabaId: WABA, name: `t${String(i).padStart(2, '0')}`, language: 'en_US', category: 'UTILITY', components: [body(i % 4)] })
  sim.addTemplate({ wabaId: WABA, name: 't00', language: 'it', category: 'UTILITY', components: [body(1)] })
  const pending = sim.addTemplate({ wabaId: WABA, name: 'launch_offer', language: 'en_US', category: 'MARKETING', status: 'PENDING', components: [body(2)] })

  // 25 templates in pages of 10: three pages.
  const writer = await startWriter(t, sim, prefix, { pageSize: 10 })
  await waitFor(() => writer.lastSyncs().length === 1, 30_000, 'the first sync')
  const first = writer.lastSyncs()[0]!
  assert.equal(first.ok, true, first.error)
  assert.equal(first.listed, 25)
  assert.equal(first.written, 25)
  const view = writer.view
  assert.equal(view.list(WABA).length, 25)
  assert.deepEqual(view.languagesOf(WABA, 't00'), ['en_US', 'it'])
  const t03 = view.lookup(WABA, 't03', 'en-US')
  assert.equal(t03?.status, 'APPROVED')
  assert.equal(t03?.source, 'sync')
  assert.match(t03?.components_json ?? '', /\{\{3\}\}/)
  assert.equal(view.lookup(WABA, 'launch_offer', 'en_US')?.status, 'PENDING')

  // A second sync of an unchanged catalogue writes nothing.
  const [again] = await writer.syncNow()
  assert.deepEqual({ ok: again!.ok, written: again!.written, removed: again!.removed, unchanged: again!.unchanged }, { ok: true, written: 0, removed: 0, unchanged: 25 })

  // A reader of the topic (egress's view) sees the same catalogue.
  const reader = createTemplateCatalogView(testKafka(), { prefix, codec, logger })
  t.after(() => reader.stop())
  await reader.start()
  assert.equal(await reader.caughtUp(Date.now() + 30_000), true)
  assert.equal(reader.list(WABA).length, 25)
  assert.equal(reader.hasWaba(WABA), true)
  assert.equal(reader.hasWaba(OTHER_WABA), false)

  // PENDING → APPROVED → PAUSED, each by Meta's webhook through ingress and wa.inbound.events.
  sim.setTemplateStatus(pending.id, { status: 'APPROVED' })
  await waitFor(() => view.lookup(WABA, 'launch_offer', 'en_US')?.status === 'APPROVED', 30_000, 'launch_offer APPROVED by webhook')
  assert.equal(view.lookup(WABA, 'launch_offer', 'en_US')?.source, 'message_template_status_update')
  sim.setTemplateStatus(pending.id, { status: 'PAUSED' })
  await waitFor(() => view.lookup(WABA, 'launch_offer', 'en_US')?.status === 'PAUSED', 30_000, 'launch_offer PAUSED by webhook')
  const paused = view.lookup(WABA, 'launch_offer', 'en_US')!
  assert.equal(paused.reason, 'FIRST_PAUSE')
  assert.ok(paused.status_changed_at !== null)
  // Components known from the sync stay: the check can still count parameters.
  assert.match(paused.components_json ?? '', /\{\{2\}\}/)
  await waitFor(() => reader.lookup(WABA, 'launch_offer', 'en_US')?.status === 'PAUSED', 30_000, 'the reader sees the pause')
  const verdict = reader.check(WABA, { name: 'launch_offer', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }] }] })
  assert.equal(verdict.ok, false)
  assert.equal(!verdict.ok && verdict.code, 132015)

  // A sync that lists it PAUSED too changes nothing and raises no second alert.
  const [third] = await writer.syncNow()
  assert.equal(third!.written, 0)
  const alerts = (await readAll(testKafka(), `${prefix}.alerts`, 1, 30_000)).map((r) => codec.decode(r.value!, 'Alert').value as Alert)
  // readAll returns what it found once at least one is there; give a late duplicate time to show.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const all = (await readAll(testKafka(), `${prefix}.alerts`, 1, 30_000)).map((r) => codec.decode(r.value!, 'Alert').value as Alert)
  const pausedAlerts = all.filter((a) => a.name === 'template_paused' && a.state === 'firing')
  assert.equal(pausedAlerts.length, 1, JSON.stringify(all))
  assert.ok(alerts.length >= 1)
  assert.equal(pausedAlerts[0]!.scope, `waba:${WABA}:launch_offer:en_US`)
  assert.match(pausedAlerts[0]!.message, /FIRST_PAUSE/)

  // Removed from Meta's list: the next complete sync tombstones it.
  sim.removeTemplate(sim.templates(WABA).find((x) => x.name === 't22')!.id)
  const [fourth] = await writer.syncNow()
  assert.equal(fourth!.removed, 1)
  assert.equal(view.lookup(WABA, 't22', 'en_US'), undefined)
  await waitFor(() => reader.lookup(WABA, 't22', 'en_US') === undefined, 30_000, 'the reader sees the tombstone')
})

test('a template webhook for a WABA that is not configured is kept, not dropped; a failed sync is reported and stops nothing', { timeout: 90_000 }, async (t) => {
  const prefix = uniqueName('tpl')
  const sim = await startSimAndIngress(t, prefix)
  const foreign = sim.addTemplate({ wabaId: OTHER_WABA, name: 'foreign_promo', language: 'pt_BR', category: 'MARKETING', components: [body(1)] })
  const writer = await startWriter(t, sim, prefix, { wabas: [WABA, LOCKED_WABA] })
  await waitFor(() => writer.lastSyncs().length === 2, 30_000, 'the first syncs')
  assert.equal(writer.view.hasWaba(OTHER_WABA), false)
  // The Graph API refuses LOCKED_WABA's listing: that sync failed after its retries, the other went through and the writer runs.
  const locked = writer.lastSyncs().find((s) => s.waba_id === LOCKED_WABA)!
  assert.equal(locked.ok, false)
  assert.match(locked.error ?? '', /message_templates failed/)
  assert.equal(writer.lastSyncs().find((s) => s.waba_id === WABA)?.ok, true)

  sim.setTemplateStatus(foreign.id, { status: 'DISABLED' })
  await waitFor(() => writer.view.lookup(OTHER_WABA, 'foreign_promo', 'pt-BR') !== undefined, 30_000, 'the foreign template kept')
  const kept = writer.view.lookup(OTHER_WABA, 'foreign_promo', 'pt_BR')!
  assert.equal(kept.status, 'DISABLED')
  assert.equal(kept.components_json, null)
  assert.equal(kept.template_id, foreign.id)
  // Known from a webhook only: not complete, so egress does not check its sends against it.
  assert.equal(writer.view.hasWaba(OTHER_WABA), false)
  assert.equal(writer.view.list(OTHER_WABA).length, 1)
  // Not configured: never synced (no token asked, no listing).
  assert.equal(writer.lastSyncs().some((s) => s.waba_id === OTHER_WABA), false)
  const alerts = (await readAll(testKafka(), `${prefix}.alerts`, 1, 30_000)).map((r) => codec.decode(r.value!, 'Alert').value as Alert)
  assert.equal(alerts.filter((a) => a.name === 'template_disabled').length, 1)

  assert.equal(writer.isReady(), true)
})
