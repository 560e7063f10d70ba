/**
 * Campaigns benchmark (issue 14): one campaign of --recipients on one number whose rate is --rate
 * (EGRESS_MPS_OVERRIDES), with a stream of conversation replies (priority interactive, --reply-rate
 * per second) on the same number, through the real egress, the Graph API simulator and the campaigns
 * service, each in its own process. Prints:
 *   - reply queue time p50 / p99 / max: produced to the requests topic → accepted by the simulator,
 *     during the campaign and, as a baseline, for --baseline-seconds before it (replies alone);
 *   - the campaign's share of the budget left by the replies (campaign msg/s ÷ (rate − reply rate)),
 *     and of its own rate cap (default 80 % of the rate: CAMPAIGNS_BULK_SHARE);
 *   - one-second windows over the number's limit, from the simulator's receive times (must be 0).
 *
 *   npx tsx --conditions=source test/bench/campaigns/run.ts [--recipients 100000] [--rate 1000] [--reply-rate 5] [--rate-cap N] [--baseline-seconds 20]
 *
 * Uses KAFKA_BROKERS (default 127.0.0.1:9092: start it with npm run kafka:start). EGRESS_* and
 * CAMPAIGNS_* variables of the environment configure the egress and campaigns processes.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createKafkaClient, createProducer, ensureTopics, toKafkaHeaders, topicNames } from '@wabridge/kafka'
import { findFreePorts } from '@wabridge/local-kafka'
import { contentTypeFor, createCodec, type OutboundRequest } from '@wabridge/schemas'

const { values } = parseArgs({
  options: {
    recipients: { type: 'string', default: '100000' },
    rate: { type: 'string', default: '1000' },
    'reply-rate': { type: 'string', default: '5' },
    'rate-cap': { type: 'string' },
    partitions: { type: 'string', default: '12' },
    'baseline-seconds': { type: 'string', default: '20' }
  }
})
const recipients = Number(values.recipients)
const rate = Number(values.rate)
const replyRate = Number(values['reply-rate'])
const partitions = Number(values.partitions)
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'
const root = new URL('../../../', import.meta.url)
const main = (path: string) => fileURLToPath(new URL(path, root))
const PHONE = '106540352242922'
const prefix = `bench-cmp-${randomUUID().slice(0, 8)}`
const codec = createCodec()
const children: ChildProcess[] = []
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function start (name: string, entry: string, env: Record<string, string>, nodeFlags: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--conditions=source', main(entry)], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  child.once('exit', (code) => { if (code !== 0 && code !== null) console.error(`# ${name} exited with ${code}`) })
  children.push(child)
  return child
}

async function until (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try { if (await check()) return } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

const quantile = (sorted: number[], q: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: 'bench-campaigns' })
const admin = kafka.admin()
await admin.connect()
await ensureTopics(admin, { prefix, partitions, replicationFactor: 1 })
const names = topicNames(prefix)
const simPort = await findFreePorts(3)
const egressPort = simPort + 1
const campaignsPort = simPort + 2

try {
  const sim = `http://127.0.0.1:${simPort}`
  start('sim', 'packages/graph-api-sim/src/main.ts', { SIM_PORT: String(simPort), SIM_DEFAULT_MPS: String(rate), SIM_PAIR_RATE: 'false', SIM_MAX_RECORDS: String(recipients * 2 + 100_000), SIM_BLOCK_US_MARKETING: 'false' })
  await until('the simulator', async () => (await fetch(`${sim}/_sim/healthz`)).ok)
  start('egress', 'services/egress/src/main.ts', {
    // The replies and the campaign's free-form messages go to customers without windows: the window check is not this benchmark's subject.
    EGRESS_WINDOW_MODE: 'off',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('EGRESS_')) as Array<[string, string]>),
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    GRAPH_API_BASE_URL: sim,
    WA_ACCESS_TOKEN: 'bench',
    EGRESS_PORT: String(egressPort),
    EGRESS_COUNT_INBOUND: 'false',
    EGRESS_MPS_OVERRIDES: `${PHONE}=${rate}`,
    EGRESS_NUMBERS_PUBLISH_MS: '1000'
  }, ['--max-semi-space-size=64'])
  await until('egress', async () => (await fetch(`http://127.0.0.1:${egressPort}/readyz`)).ok, 120_000)
  // The campaigns service reads each number's rate from egress's numbers topic when it exists at its start.
  await until('egress\'s numbers topic', async () => (await admin.listTopics()).includes(`${prefix}.egress.numbers`))
  start('campaigns', 'services/campaigns/src/main.ts', {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CAMPAIGNS_')) as Array<[string, string]>),
    KAFKA_BROKERS: brokers,
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    CAMPAIGNS_PORT: String(campaignsPort),
    CAMPAIGNS_DEFAULT_TIER: 'TIER_UNLIMITED'
  })
  const api = `http://127.0.0.1:${campaignsPort}`
  await until('the campaigns service', async () => (await fetch(`${api}/readyz`)).ok, 120_000)

  const post = async (path: string, body: string, type = 'application/json') => {
    const res = await fetch(`${api}${path}`, { method: 'POST', ...(body !== '' && { headers: { 'content-type': type }, body }) })
    const json = await res.json() as any
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }
  const template = { name: 'hello_world', language: 'en_US' }
  const created = await post('/v1/campaigns', JSON.stringify({ name: 'bench', phone_number_id: PHONE, template, ...(values['rate-cap'] && { rate_cap_mps: Number(values['rate-cap']) }) }))
  const id = created.id as string
  const ndjson = Array.from({ length: recipients }, (_, i) => JSON.stringify({ to: `+39347${String(i).padStart(7, '0')}` })).join('\n')
  const uploaded = await post(`/v1/campaigns/${id}/audience`, ndjson, 'application/x-ndjson')
  console.log(`# campaign ${id}: ${uploaded.accepted} recipients`)

  // The reply stream: interactive requests on the same number, produced at --reply-rate.
  const producer = createProducer(kafka, { lingerMs: 0 })
  await producer.start()
  const producedAt = new Map<string, number>()
  let replies = 0
  const replying = { on: true, phase: 'base' }
  const replyLoop = (async () => {
    const startedAt = Date.now()
    while (replying.on) {
      const n = replies++
      const r: OutboundRequest = { request_id: `reply.${replying.phase}.${n}`, phone_number_id: PHONE, to: `+39348${String(n % 10_000).padStart(7, '0')}`, message_json: JSON.stringify({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } }), expires_at: null, metadata: {}, created_at: Date.now() }
      producedAt.set(r.request_id!, Date.now())
      await producer.send([{ topic: names.outboundRequests, key: PHONE, value: codec.encode('OutboundRequest', r), headers: toKafkaHeaders({ eventId: r.request_id!, contentType: contentTypeFor('OutboundRequest') }) }])
      await sleep(Math.max(0, startedAt + (n + 1) * 1000 / replyRate - Date.now()))
    }
  })()
  // Baseline: the replies alone, before the campaign starts.
  await sleep(Number(values['baseline-seconds']) * 1000)
  replying.phase = 'cmp'

  const startedAt = Date.now()
  await post(`/v1/campaigns/${id}/start`, '')
  let last = ''
  await until('the campaign to complete', async () => {
    const c = await (await fetch(`${api}/v1/campaigns/${id}`)).json() as any
    const line = `# ${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${c.state}, queued ${c.progress.queued}, sent ${c.progress.sent}, failed ${c.progress.failed}`
    if (line.split(':')[0] !== last.split(':')[0] && Math.round((Date.now() - startedAt) / 1000) % 10 === 0) console.log(line)
    last = line
    return c.state === 'completed'
  }, recipients / (rate * 0.5) * 1000 + 120_000)
  const campaignWallS = (Date.now() - startedAt) / 1000
  replying.on = false
  await replyLoop
  await sleep(3000) // the last replies
  await producer.stop()

  const text = await (await fetch(`${sim}/_sim/accepted?format=ndjson`)).text()
  const campaignTimes: number[] = []
  const replyWaits: number[] = []
  const baseWaits: number[] = []
  const perSecond = new Map<number, number>()
  for (const line of text.split('\n')) {
    if (!line) continue
    const s = JSON.parse(line) as { phoneNumberId: string, bizOpaqueCallbackData?: string, acceptedAt: number }
    if (s.phoneNumberId !== PHONE) continue
    perSecond.set(Math.floor(s.acceptedAt / 1000), (perSecond.get(Math.floor(s.acceptedAt / 1000)) ?? 0) + 1)
    const cb = s.bizOpaqueCallbackData ?? ''
    if (cb.startsWith('cmp.')) campaignTimes.push(s.acceptedAt)
    else if (producedAt.has(cb)) (cb.startsWith('reply.base.') ? baseWaits : replyWaits).push(s.acceptedAt - producedAt.get(cb)!)
  }
  const stats = await (await fetch(`${sim}/_sim/stats`)).json() as { phoneNumbers: Record<string, { maxInWindow: number }> }
  campaignTimes.sort((a, b) => a - b)
  replyWaits.sort((a, b) => a - b)
  baseWaits.sort((a, b) => a - b)
  const campaignS = (campaignTimes.at(-1)! - campaignTimes[0]!) / 1000
  const campaignMps = (campaignTimes.length - 1) / campaignS
  const cap = values['rate-cap'] ? Number(values['rate-cap']) : rate * 0.8
  console.log(`\ncampaigns benchmark: ${recipients} recipients on one number at ${rate} msg/s, replies at ${replyRate} msg/s (interactive) on the same number`)
  console.table([{
    'campaign sent': campaignTimes.length,
    'campaign s': campaignS.toFixed(1),
    'campaign msg/s': campaignMps.toFixed(1),
    'share of rate − replies': (campaignMps / (rate - replyRate)).toFixed(3),
    'share of its cap': (campaignMps / cap).toFixed(3),
    'replies sent': replyWaits.length,
    'replies produced': [...producedAt.keys()].filter((k) => k.startsWith('reply.cmp.')).length,
    'reply queue p50 ms': quantile(replyWaits, 0.5),
    'reply queue p99 ms': quantile(replyWaits, 0.99),
    'reply queue max ms': replyWaits.at(-1),
    'baseline (replies alone) p50/p99 ms': `${quantile(baseWaits, 0.5)}/${quantile(baseWaits, 0.99)}`,
    'windows over limit (1 s buckets)': [...perSecond.values()].filter((n) => n > rate).length,
    'max in any sliding 1 s': stats.phoneNumbers[PHONE]?.maxInWindow,
    'wall s (start → completed)': campaignWallS.toFixed(1)
  }])
} finally {
  for (const c of children.reverse()) {
    c.kill('SIGTERM')
    await new Promise((resolve) => c.exitCode !== null ? resolve(null) : c.once('exit', resolve))
  }
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`))
  await admin.deleteTopics({ topics }).catch((err: unknown) => console.error(`# could not delete the topics: ${(err as Error).message}`))
  await admin.disconnect()
}
