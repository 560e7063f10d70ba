import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { Pool } from 'undici'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { signWebhookBody } from '@wabridge/webhook-signature'
import { messageFixtures, messageWebhook } from './fixtures/webhooks.ts'
import { APP_SECRET, readTopics, testEnv } from './helpers.ts'

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url))

test('SIGTERM under a burst of concurrent POSTs: every webhook answered 200 is in Kafka, and the exit code is 0', { timeout: 90_000 }, async (t) => {
  // A longer linger keeps requests in flight when the signal arrives.
  const env = testEnv({ LOG_LEVEL: 'info', PRODUCE_LINGER_MS: '50', SHUTDOWN_TIMEOUT_MS: '20000' })
  const child = spawn(process.execPath, ['--conditions=source', MAIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const logs: string[] = []
  child.stderr.on('data', (chunk: Buffer) => logs.push(chunk.toString()))
  const lines = createInterface({ input: child.stdout })
  let stopping = false
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ingress did not start: ${logs.join('')}`)), 30_000)
    lines.on('line', (line) => {
      logs.push(line)
      let entry: { msg?: string, url?: string } = {}
      try { entry = JSON.parse(line) } catch { return }
      if (entry.msg === 'ingress ready' && entry.url) { clearTimeout(timer); resolve(entry.url) }
      if (entry.msg === 'ingress stopping') stopping = true
    })
  })

  const pool = new Pool(url, { connections: 64, pipelining: 1 })
  t.after(() => pool.destroy())
  const burst = Array.from({ length: 600 }, () => messageFixtures().text!)
  const outcomes = new Map<string, number | string>()
  let answered = 0
  let acceptedAfterSignal = 0
  let signalSent = false
  await Promise.all(burst.map(async (message) => {
    const body = Buffer.from(JSON.stringify(messageWebhook(message)))
    try {
      const res = await pool.request({
        path: '/webhook', method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhookBody(body, APP_SECRET) }
      })
      await res.body.dump()
      outcomes.set(message.id as string, res.statusCode)
      if (signalSent && res.statusCode === 200) acceptedAfterSignal++
    } catch (err) {
      outcomes.set(message.id as string, (err as Error).message)
    } finally {
      // The signal goes out while the rest of the burst is in flight.
      if (++answered === 150) {
        child.kill('SIGTERM')
        signalSent = true
      }
    }
  }))
  const [code] = await exited
  assert.equal(code, 0, `exit code ${code}: ${logs.join('\n')}`)
  assert.ok(stopping, 'the service logged its shutdown')

  const accepted = [...outcomes].filter(([, outcome]) => outcome === 200).map(([id]) => id)
  const refused = [...outcomes].filter(([, outcome]) => outcome !== 200)
  const kinds = new Map<string, number>()
  for (const [, outcome] of refused) kinds.set(String(outcome), (kinds.get(String(outcome)) ?? 0) + 1)
  t.diagnostic(`refused: ${JSON.stringify(Object.fromEntries(kinds))}`)
  t.diagnostic(`${accepted.length} accepted (${acceptedAfterSignal} of them in flight at SIGTERM), ${refused.length} refused`)
  assert.ok(accepted.length >= 150, `only ${accepted.length} accepted before the signal`)
  assert.ok(acceptedAfterSignal > 0, 'no request was in flight at SIGTERM, so draining was not exercised')
  assert.ok(refused.length > 0, 'the burst did not outlast the signal, so the test proves nothing')
  for (const [, outcome] of refused) assert.ok(outcome === 503 || typeof outcome === 'string', `unexpected answer ${outcome}`)

  const kafka = createKafkaClient({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'sigterm-reader' })
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const topic = topicNames(env.TOPIC_PREFIX!).inboundMessages
  const stored = new Set((await readTopics(kafka, admin, [topic]))[topic]!.map((r) => r.headers['event-id']))
  const lost = accepted.filter((id) => !stored.has(id))
  assert.deepEqual(lost, [], `${lost.length} of ${accepted.length} acknowledged webhooks are not in Kafka`)
})
