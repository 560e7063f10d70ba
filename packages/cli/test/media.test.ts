import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createGraphApiSim } from '@wabridge/graph-api-sim'
import { createKafkaClient, createProducer } from '@wabridge/kafka'
import { createMediaApp, loadConfig } from '@wabridge/media'
import { createCodec, type InboundMessage } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { mediaLines } from '../src/commands/media.ts'

const bin = fileURLToPath(new URL('../bin/wabridge.js', import.meta.url))
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const PHONE = '106540352242922'

function run (env: Record<string, string>, ...args: string[]): Promise<{ status: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

test('media lines: where a ready file is, why a failed one is not', () => {
  const base = { media_id: '9', media_type: 'image', message_id: 'wamid.1', phone_number_id: PHONE, wa_id: '31612345678', filename: null, attempts: 1, completed_at: '2026-12-01T12:00:00.000Z' }
  const ready = mediaLines({ ...base, status: 'ready', mime_type: 'image/jpeg', sha256: 'ab'.repeat(32), size: 10, storage_uri: 'file:///m/9.jpg', failure: null, reason: null })
  assert.equal(ready[0], `image 9 of message wamid.1 (${PHONE} ← +31612345678)`)
  assert.match(ready[1] as string, /^ready {4}file:\/\/\/m\/9\.jpg$/)
  assert.match(ready[2] as string, /image\/jpeg, 10 bytes, sha256 abab/)
  const failed = mediaLines({ ...base, status: 'failed', mime_type: null, sha256: null, size: null, storage_uri: null, failure: 'too_large', reason: 'over 5 MB' })
  assert.match(failed[1] as string, /^failed {3}too_large: over 5 MB$/)
})

test('wabridge media <media_id> [--json] asks the media worker', { timeout: 120_000 }, async (t) => {
  const prefix = `cli-media-${randomUUID().slice(0, 8)}`
  const dir = await mkdtemp(join(tmpdir(), 'cli-media-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const sim = createGraphApiSim({ host: '127.0.0.1', port: 0 })
  await sim.start()
  t.after(() => sim.stop())
  const app = createMediaApp(loadConfig({
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '1',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    MEDIA_PORT: '0',
    MEDIA_ADMIN_TOKEN: 'cli-t0ken',
    MEDIA_STORE_URL: pathToFileURL(dir).href,
    GRAPH_API_BASE_URL: sim.url,
    WA_ACCESS_TOKEN: 't',
    MEDIA_ALLOW_INSECURE_HTTP: 'true',
    LOG_LEVEL: 'silent'
  }), { logger: createLogger({ level: 'silent', name: 'cli-test' }) })
  t.after(() => app.stop())
  await app.start()
  const env = { MEDIA_URL: app.url as string, MEDIA_ADMIN_TOKEN: 'cli-t0ken' }

  const sent = await (await fetch(`${sim.url}/_sim/inbound/media`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phoneNumberId: PHONE, from: '31612345678', type: 'image', mimeType: 'image/png', size: 1234 })
  })).json() as { mediaId: string, wamid: string, sha256: string, url: string }
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'cli-test' })
  const producer = createProducer(kafka, { lingerMs: 0 })
  t.after(() => producer.stop())
  await producer.start()
  const codec = createCodec()
  const now = Date.now()
  const m: InboundMessage = {
    event_id: 'e1',
    waba_id: '1022',
    phone_number_id: PHONE,
    display_phone_number: '15550001111',
    customer_wa_id: '31612345678',
    customer_name: null,
    message_id: sent.wamid,
    type: 'image',
    meta_timestamp: now,
    received_at: now,
    context_message_id: null,
    referral_source_id: null,
    message_json: JSON.stringify({ from: '31612345678', id: sent.wamid, type: 'image', image: { id: sent.mediaId, mime_type: 'image/png', sha256: sent.sha256, url: sent.url } }),
    contact_json: null
  }
  const topic = `${prefix}.inbound.messages`
  await producer.send([{ topic, key: `${PHONE}:31612345678`, value: await codec.serialize(topic, 'InboundMessage', m) }])
  for (let i = 0; ; i++) {
    const r = await fetch(`${env.MEDIA_URL}/v1/media/${sent.mediaId}`, { headers: { authorization: 'Bearer cli-t0ken' } })
    if (r.status === 200) break
    if (i > 1200) throw new Error('the media worker published no record in 60 s')
    await sleep(50)
  }

  const shown = await run(env, 'media', sent.mediaId)
  assert.equal(shown.status, 0, shown.stderr)
  assert.match(shown.stdout, new RegExp(`^image ${sent.mediaId} of message ${sent.wamid.replace(/[.=]/g, '\\$&')}`))
  assert.match(shown.stdout, new RegExp(`ready {4}file:///.*/${PHONE}/${sent.mediaId}\\.png`))
  assert.match(shown.stdout, new RegExp(`image/png, 1234 bytes, sha256 ${sent.sha256}`))
  const json = await run(env, 'media', sent.mediaId, '--json')
  assert.equal((JSON.parse(json.stdout) as { sha256: string }).sha256, sent.sha256)
  const unknown = await run(env, 'media', '42')
  assert.notEqual(unknown.status, 0)
  assert.match(unknown.stderr, /no record of media 42/)
  const refused = await run({ ...env, MEDIA_ADMIN_TOKEN: 'wrong' }, 'media', sent.mediaId)
  assert.notEqual(refused.status, 0)
  assert.match(refused.stderr, /--media-token or MEDIA_ADMIN_TOKEN/)
})
