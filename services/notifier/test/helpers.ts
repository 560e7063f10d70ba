import { randomUUID } from 'node:crypto'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKafkaClient, createProducer, topicNames } from '@wabridge/kafka'
import { createCodec, type Alert } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { createNotifierApp, loadConfig, type NotifierApp, type NotifierAppDeps } from '../src/index.ts'

export function brokersFromEnv (): string {
  const brokers = process.env.KAFKA_BROKERS
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with npm test, which starts a broker')
  return brokers
}

export const uniqueName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 12)}`

/** Env of one test: its own topics and group, one alerts partition, a fast tick, fast retries. */
export function testEnv (overrides: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: brokersFromEnv(),
    TOPIC_PREFIX: uniqueName('nt'),
    NOTIFIER_GROUP_ID: uniqueName('notifier'),
    KAFKA_TOPIC_PARTITIONS: '1',
    NOTIFIER_PORT: '0',
    NOTIFIER_TICK_MS: '50',
    NOTIFIER_GROUP_WAIT_MS: '0',
    NOTIFIER_GROUP_INTERVAL_MS: '60000',
    NOTIFIER_REPEAT_INTERVAL_MS: '3600000',
    NOTIFIER_RETRY_MIN_MS: '20',
    NOTIFIER_RETRY_MAX_MS: '100',
    NOTIFIER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides
  }
}

/** A clock the test moves by hand. */
export function manualClock (start = Date.parse('2026-12-01T10:00:00Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

export async function startApp (t: TestContext, env: Record<string, string>, deps: NotifierAppDeps = {}): Promise<NotifierApp> {
  const config = loadConfig(env)
  const app = createNotifierApp(config, { logger: createLogger({ level: config.LOG_LEVEL, name: 'notifier-test' }), ...deps })
  t.after(() => app.stop())
  await app.start()
  return app
}

/** Writes a receivers file (JSON) to a temporary folder; returns its path. */
export function receiversFile (content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'notifier-')), 'receivers.json')
  writeFileSync(path, JSON.stringify(content))
  return path
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

export interface Received { body: any, headers: IncomingMessage['headers'], at: number }

/** A real HTTP receiver on port 0; `answer` decides each response (default 200). */
export async function startReceiver (t: TestContext, answer?: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const received: Received[] = []
  let calls = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      calls++
      const text = Buffer.concat(chunks).toString()
      const record = () => received.push({ body: JSON.parse(text), headers: req.headers, at: Date.now() })
      if (answer) {
        const res2 = res as ServerResponse & { record?: () => void }
        res2.record = record
        answer(req, res2, calls)
      } else {
        record()
        res.end('ok')
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, calls: () => calls }
}

let seq = 0
/** A wa.alerts record as metrics writes it. */
export function alert (overrides: Partial<Alert> = {}): Alert {
  const name = overrides.name ?? 'throughput_near_limit'
  const scope = overrides.scope ?? `phone_number:10654035224292${seq++ % 10}`
  const firedAt = overrides.fired_at ?? Date.parse('2026-12-01T09:59:00Z')
  return {
    alert_id: `${name}:${scope}:${firedAt}`,
    name,
    scope,
    phone_number_id: scope.startsWith('phone_number:') ? scope.slice(13) : null,
    waba_id: '102290129340398',
    state: 'firing',
    severity: 'warning',
    value: 76.5,
    threshold: 72,
    message: `${scope} at 76.5 msg/s of its 80 msg/s limit`,
    fired_at: firedAt,
    at: firedAt,
    labels: { limit_per_second: '80' },
    ...overrides
  }
}

export const resolvedOf = (a: Alert, at = a.at + 60_000): Alert => ({ ...a, state: 'resolved', at, message: 'back to normal' })

/** Produces alerts to the prefix's wa.alerts, keyed '{name}:{scope}' as metrics does. */
export async function produceAlerts (t: TestContext, prefix: string, alerts: Alert[]): Promise<void> {
  const kafka = createKafkaClient({ brokers: brokersFromEnv().split(','), clientId: uniqueName('test') })
  const producer = createProducer(kafka)
  await producer.start()
  try {
    const codec = createCodec()
    const topic = topicNames(prefix).alerts
    await producer.send(await Promise.all(alerts.map(async (a) => ({ topic, key: `${a.name}:${a.scope}`, value: await codec.serialize(topic, 'Alert', a) }))))
  } finally {
    await producer.stop()
  }
}
