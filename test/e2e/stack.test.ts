import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { createHash, createHmac, randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { test } from 'node:test'
import { startEchoBot } from '../../examples/echo-bot.ts'
import { brokersFromEnv, waitFor } from '../helpers/kafka.ts'
import { documentedMetricNames, documentedMetricNamesIn, exportedFamilies, type Service } from '../telemetry/documented-metrics.ts'
import { freePort } from '@wabridge/local-kafka'
import { Agent, setGlobalDispatcher } from 'undici'

const root = fileURLToPath(new URL('../..', import.meta.url))
// One connection per request: the test polls a dozen servers at intervals near their keep-alive
// timeouts, and a kept-alive socket a server closes just as fetch reuses it fails with "other side
// closed" (seen in CI under load). The services' own clients are not what this test is about.
setGlobalDispatcher(new Agent({ pipelining: 0 }))
const cli = fileURLToPath(new URL('../../packages/cli/bin/wabridge.js', import.meta.url))

test('npm start runs the whole loop: customers → ingress → bot → egress → simulator → statuses → metrics, windows enforced before a send, the HTTP API (now and scheduled), a CRM webhook, campaigns and inbound media on top, and stops cleanly', { timeout: 420_000 }, async (t) => {
  const prefix = `stack-${randomUUID().slice(0, 8)}`
  const ports = {
    ingress: await freePort(),
    egress: await freePort(),
    metrics: await freePort(),
    api: await freePort(),
    notifier: await freePort(),
    webhooks: await freePort(),
    scheduler: await freePort(),
    campaigns: await freePort(),
    conversations: await freePort(),
    media: await freePort(),
    sim: await freePort(),
    prometheus: await freePort(),
    ingressPrometheus: await freePort(),
    egressPrometheus: await freePort(),
    apiPrometheus: await freePort(),
    notifierPrometheus: await freePort(),
    webhooksPrometheus: await freePort(),
    schedulerPrometheus: await freePort(),
    campaignsPrometheus: await freePort(),
    conversationsPrometheus: await freePort(),
    mediaPrometheus: await freePort()
  }
  const mediaDir = await mkdtemp(join(tmpdir(), 'wabridge-e2e-media-'))
  t.after(() => rm(mediaDir, { recursive: true, force: true }))
  const env = {
    ...process.env,
    KAFKA_BROKERS: brokersFromEnv().join(','),
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '3',
    INGRESS_PORT: String(ports.ingress),
    EGRESS_PORT: String(ports.egress),
    METRICS_PORT: String(ports.metrics),
    API_PORT: String(ports.api),
    NOTIFIER_PORT: String(ports.notifier),
    WEBHOOKS_PORT: String(ports.webhooks),
    SCHEDULER_PORT: String(ports.scheduler),
    CAMPAIGNS_PORT: String(ports.campaigns),
    CONVERSATIONS_PORT: String(ports.conversations),
    MEDIA_PORT: String(ports.media),
    SIM_PORT: String(ports.sim),
    PROMETHEUS_PORT: String(ports.prometheus),
    INGRESS_PROMETHEUS_PORT: String(ports.ingressPrometheus),
    EGRESS_PROMETHEUS_PORT: String(ports.egressPrometheus),
    API_PROMETHEUS_PORT: String(ports.apiPrometheus),
    NOTIFIER_PROMETHEUS_PORT: String(ports.notifierPrometheus),
    WEBHOOKS_PROMETHEUS_PORT: String(ports.webhooksPrometheus),
    SCHEDULER_PROMETHEUS_PORT: String(ports.schedulerPrometheus),
    CAMPAIGNS_PROMETHEUS_PORT: String(ports.campaignsPrometheus),
    CONVERSATIONS_PROMETHEUS_PORT: String(ports.conversationsPrometheus),
    MEDIA_PROMETHEUS_PORT: String(ports.mediaPrometheus),
    // The media worker's store: this test's folder, not the checkout's .wabridge/media.
    MEDIA_STORE_URL: pathToFileURL(mediaDir).href,
    METRICS_FLUSH_INTERVAL_MS: '300',
    // The CRM of this test listens on loopback, which the webhooks service refuses unless allowed.
    WEBHOOKS_ALLOW_HOSTS: '127.0.0.1',
    SIM_STATUS_DELAYS_MS: '20,50,100'
  }
  const stack = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'scripts/start.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  stack.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  stack.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)))
  // Graceful even when the test fails: SIGTERM lets the script stop its parts (SIGKILL would orphan them).
  t.after(async () => {
    if (stack.exitCode !== null) return
    stack.kill('SIGTERM')
    const timer = setTimeout(() => stack.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(timer)
  })
  await waitFor(() => output.includes('wabridge is running') || stack.exitCode !== null, 180_000, () => 'the stack to start')
  assert.match(output, /wabridge is running/, output.slice(-2000))
  for (const [part, port] of [
    ['ingress', ports.ingress], ['egress', ports.egress], ['metrics', ports.metrics], ['api', ports.api], ['webhooks', ports.webhooks], ['notifier', ports.notifier],
    ['scheduler', ports.scheduler], ['campaigns', ports.campaigns], ['conversations', ports.conversations], ['media', ports.media], ['Graph API sim', ports.sim]
  ] as const) {
    assert.match(output, new RegExp(`\\n  ${part}\\s+http://127\\.0\\.0\\.1:${port}[/ ]`), `the banner says where ${part} listens`)
  }
  assert.match(output, /app secret\s+dev-app-secret/)

  const bot = await startEchoBot({ brokers: brokersFromEnv(), prefix, groupId: `bot-${prefix}`, fromBeginning: true })
  t.after(() => bot.stop())
  const wabridge = (...args: string[]) => spawnSync(process.execPath, [cli, '--prefix', prefix, ...args], { encoding: 'utf8', env, timeout: 60_000 })
  const number = '106540352242922'

  // Ten customer messages through the whole loop.
  const simulated = wabridge('simulate', '--number', number, '--rate', '5', '--seconds', '2', '--sim', `http://127.0.0.1:${ports.sim}`)
  assert.equal(simulated.status, 0, simulated.stderr)
  const usageUrl = `http://127.0.0.1:${ports.metrics}/v1/usage?phone_number_id=${number}&start=${Math.floor(Date.now() / 1000) - 3600}&end=${Math.ceil(Date.now() / 1000) + 3600}&granularity=DAILY`
  let counts: { inbound_messages: { total: number }, outbound_requests: { accepted: number }, statuses: Record<string, number> } | undefined
  await waitFor(async () => {
    const body = await (await fetch(usageUrl)).json() as { counts: { data_points: Array<NonNullable<typeof counts>> } }
    counts = body.counts.data_points[0]
    return counts !== undefined && counts.inbound_messages.total >= 10 && counts.outbound_requests.accepted >= 10 && (counts.statuses.sent ?? 0) >= 10
  }, 90_000, () => `the loop to be counted: ${JSON.stringify(counts)}`)
  assert.equal(counts!.inbound_messages.total, 10)
  assert.equal(counts!.outbound_requests.accepted, 10, 'the bot answered each message once')

  const table = wabridge('usage', '--number', number, '--metrics', `http://127.0.0.1:${ports.metrics}`)
  assert.equal(table.status, 0, table.stderr)
  assert.match(table.stdout, /inbound\s+accepted/)
  assert.match(table.stdout, new RegExp(`${number}\\s+10\\s+10\\s`))

  // Windows are enforced (egress's default, and the simulator's under npm start): a free-form message to a
  // customer who never wrote is refused by egress with outside_window and 131047, without a Graph call.
  const customer = '16505551234'
  const refused = wabridge('send', '--from', number, '--to', `+${customer}`, '--text', 'Hello before you wrote', '--wait', '--timeout', '60')
  assert.equal(refused.status, 1, refused.stderr)
  assert.match(refused.stdout, /"status":"failed"/)
  assert.match(refused.stdout, /"code":131047,.*"class":"outside_window"/)
  const simRefused = (await (await fetch(`http://127.0.0.1:${ports.sim}/_sim/refused`)).json()) as { refused: Array<{ to?: string }> }
  assert.deepEqual(simRefused.refused.filter((r) => r.to?.replace(/^\+/, '') === customer), [], 'the simulator was not asked (it would have refused with 131047 too)')
  // The customer writes (the simulator's inbound control: the window opens in the simulator, and through
  // ingress and the conversations service in wa.windows), then the same send goes out.
  const wrote = await fetch(`http://127.0.0.1:${ports.sim}/_sim/inbound/message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phoneNumberId: number, from: customer }) })
  assert.equal(wrote.status, 200, await wrote.text())
  let window: { csw?: { open?: boolean } } = {}
  await waitFor(async () => {
    window = await (await fetch(`http://127.0.0.1:${ports.conversations}/v1/windows/${number}/${customer}`)).json() as typeof window
    return window.csw?.open === true
  }, 60_000, () => `the conversations service to see the window open: ${JSON.stringify(window)}`)
  const conversationsUrl = `http://127.0.0.1:${ports.conversations}`
  const shownWindow = wabridge('window', number, `+${customer}`, '--conversations', conversationsUrl)
  assert.equal(shownWindow.status, 0, shownWindow.stderr)
  assert.match(shownWindow.stdout, /customer service window +OPEN/)
  // The template catalogue of the simulator's WABA for the number (npm start names it in WA_PHONE_WABAS), synced at start.
  let catalogue: { templates?: Array<{ name: string, language: string, status: string }> } = {}
  await waitFor(() => {
    const listedTemplates = wabridge('templates', 'list', '--waba', '107540352242922', '--json', '--conversations', conversationsUrl)
    catalogue = listedTemplates.status === 0 ? JSON.parse(listedTemplates.stdout) as typeof catalogue : {}
    return catalogue.templates?.some((t) => t.name === 'hello_world' && t.language === 'en_US' && t.status === 'APPROVED') ?? false
  }, 60_000, () => `the catalogue to hold hello_world: ${JSON.stringify(catalogue).slice(0, 500)}`)
  // The CLI against the running stack.
  const sent = wabridge('send', '--from', number, '--to', `+${customer}`, '--text', 'Hello from the CLI', '--wait', '--timeout', '60')
  assert.equal(sent.status, 0, sent.stderr)
  assert.match(sent.stdout, /"status":"accepted".*"wamid":"wamid\./)
  const tailed = wabridge('tail', 'outbound.results', '--from-beginning', '--limit', '2')
  assert.equal(tailed.status, 0, tailed.stderr)
  const lines = tailed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { schema: string, value: { status: string } })
  assert.equal(lines.length, 2)
  assert.ok(lines.every((l) => l.schema === 'OutboundResult' && l.value.status === 'accepted'))
  const listed = wabridge('topics', 'list')
  // The bot's ten answers, the refused and the sent CLI message (and the bot's answer to the customer who wrote, once it is in).
  const requests = Number(new RegExp(`${prefix}\\.outbound\\.requests\\s+3\\s+(\\d+)`).exec(listed.stdout)?.[1])
  assert.ok(requests === 12 || requests === 13, listed.stdout)
  const dlq = wabridge('dlq', 'list')
  assert.equal(dlq.status, 0)
  assert.match(dlq.stderr, /0 of 0 dead letters matched/)
  const noMetrics = wabridge('usage', '--number', number, '--metrics', 'http://127.0.0.1:9')
  assert.equal(noMetrics.status, 1)
  assert.equal(noMetrics.stderr, 'wabridge: the metrics service does not answer at http://127.0.0.1:9 (npm start runs it; or --metrics URL)\n')
  const badQuery = wabridge('usage', '--number', number, '--metrics', `http://127.0.0.1:${ports.metrics}`, '--start', 'soon')
  assert.equal(badQuery.status, 2)

  // A customer sends an image: the media worker downloads it from the simulator (over loopback HTTP, as npm
  // start allows), stores it in the media store and announces it ready with its sha256.
  const image = Buffer.from(`e2e image ${randomUUID()}`)
  const mediaSent = await fetch(`http://127.0.0.1:${ports.sim}/_sim/inbound/media`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phoneNumberId: number, from: '16505559876', type: 'image', mimeType: 'image/jpeg', data: image.toString('base64') })
  })
  assert.equal(mediaSent.status, 200, await mediaSent.clone().text())
  const { mediaId } = await mediaSent.json() as { mediaId: string }
  let media: { status?: string, storage_uri?: string, sha256?: string } = {}
  await waitFor(async () => {
    const res = await fetch(`http://127.0.0.1:${ports.media}/v1/media/${mediaId}`)
    media = res.ok ? await res.json() as typeof media : {}
    return media.status !== undefined
  }, 60_000, () => `the media worker to store media ${mediaId}: ${JSON.stringify(media)}`)
  assert.equal(media.status, 'ready', JSON.stringify(media))
  assert.ok(media.storage_uri?.startsWith(pathToFileURL(mediaDir).href), `stored in the stack's media store: ${media.storage_uri}`)
  const stored = await readFile(new URL(media.storage_uri!))
  assert.ok(stored.equals(image), 'the stored bytes are the customer\'s')
  assert.equal(media.sha256, createHash('sha256').update(image).digest('hex'))

  // A CRM subscribes to results, a service without Kafka sends through the HTTP API with a key, and
  // the CRM gets the request's result as a signed webhook.
  const crm: Array<{ headers: IncomingHttpHeaders, body: string }> = []
  const receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => { crm.push({ headers: req.headers, body }); res.writeHead(204).end() })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  t.after(() => receiver.close())
  const subscribed = wabridge('subscriptions', 'add', '--url', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm`, '--events', 'message.result', '--numbers', number, '--json')
  assert.equal(subscribed.status, 0, subscribed.stderr)
  const subscription = JSON.parse(subscribed.stdout) as { subscription_id: string, secrets: Array<{ secret: string }> }
  await waitFor(async () => {
    const listed = await (await fetch(`http://127.0.0.1:${ports.webhooks}/v1/subscriptions`)).json() as { subscriptions: Array<{ subscription_id: string }> }
    return listed.subscriptions.some((s) => s.subscription_id === subscription.subscription_id)
  }, 60_000, () => 'the webhooks service to know the subscription')

  const created = wabridge('keys', 'create', '--numbers', number, '--rate', '10', '--name', 'e2e')
  assert.equal(created.status, 0, created.stderr)
  const apiKey = created.stdout.trim()
  const api = (method: string, path: string, body?: unknown) => fetch(`http://127.0.0.1:${ports.api}${path}`, {
    method, headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body)
  })
  // The key reaches every API instance through its topic: unknown (401) until then, then 404 for an unknown request.
  await waitFor(async () => (await api('GET', '/v1/messages/none-yet')).status === 404, 60_000, () => 'the API to know the key')
  const requestId = `e2e-${randomUUID()}`
  const accepted = await api('POST', '/v1/messages', { request_id: requestId, phone_number_id: number, to: '+16505551234', message: { type: 'text', text: { body: 'Hello from the HTTP API' } } })
  assert.equal(accepted.status, 202, await accepted.text())
  let state: { state?: string } = {}
  await waitFor(async () => {
    state = await (await api('GET', `/v1/messages/${requestId}`)).json() as { state?: string }
    return ['sent', 'delivered', 'read'].includes(state.state ?? '')
  }, 90_000, () => `the API's request to be sent: ${JSON.stringify(state)}`)
  await waitFor(() => crm.some((d) => d.body.includes(requestId)), 60_000, () => `the CRM to get the result: ${crm.length} deliveries`)
  const delivery = crm.find((d) => d.body.includes(requestId))!
  const [id, timestamp, signatures] = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => String(delivery.headers[h]))
  const key = Buffer.from(subscription.secrets[0]!.secret.replace(/^whsec_/, ''), 'base64')
  const expected = `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest('base64')}`
  assert.ok(signatures!.split(' ').includes(expected), `the delivery is signed per Standard Webhooks: ${signatures}`)
  assert.equal((await fetch(`http://127.0.0.1:${ports.notifier}/v1/silences`)).status, 200, 'the notifier answers its silences API')

  // A request with a send_at a few seconds ahead: the API hands it to the scheduler, which releases it
  // to egress at its time.
  const scheduledId = `e2e-scheduled-${randomUUID()}`
  const sendAt = new Date(Date.now() + 4000).toISOString()
  const scheduled = await api('POST', '/v1/messages', { request_id: scheduledId, phone_number_id: number, to: '+16505551234', send_at: sendAt, message: { type: 'text', text: { body: 'Hello later' } } })
  assert.equal(scheduled.status, 202, await scheduled.text())
  let scheduledState: { state?: string } = {}
  await waitFor(async () => {
    scheduledState = await (await fetch(`http://127.0.0.1:${ports.scheduler}/v1/scheduled/${scheduledId}`)).json() as { state?: string }
    return scheduledState.state !== undefined
  }, 60_000, () => `the scheduler to hold the request: ${JSON.stringify(scheduledState)}`)
  await waitFor(async () => {
    state = await (await api('GET', `/v1/messages/${scheduledId}`)).json() as { state?: string }
    return ['sent', 'delivered', 'read'].includes(state.state ?? '')
  }, 90_000, () => `the scheduled request to be sent: ${JSON.stringify(state)}`)
  assert.equal(((await (await fetch(`http://127.0.0.1:${ports.scheduler}/v1/scheduled/${scheduledId}`)).json()) as { state?: string }).state, 'released')
  // A campaign of three recipients (and a row that is no phone number) on the same number: the campaigns
  // service releases bulk requests cmp.{id}.{n}, egress sends them, the API's view sees them sent.
  const campaignsUrl = `http://127.0.0.1:${ports.campaigns}/v1/campaigns`
  assert.deepEqual(await (await fetch(campaignsUrl)).json(), { campaigns: [] })
  const post = (url: string, body?: unknown) => fetch(url, { method: 'POST', headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
  const createdCampaign = await post(campaignsUrl, {
    name: 'e2e',
    phone_number_id: number,
    template: { name: 'hello_world', language: 'en_US' },
    metadata: { source: 'e2e' },
    recipients: [{ to: '+16505550101' }, { to: '+16505550102' }, { to: 'not a number' }, { to: '+16505550103' }, { to: '+1 650 555 0101' }]
  })
  assert.equal(createdCampaign.status, 201, await createdCampaign.clone().text())
  const campaign = await createdCampaign.json() as { id: string, state: string, audience: { size: number, invalid: number, duplicates: number } }
  assert.deepEqual([campaign.state, campaign.audience.size, campaign.audience.invalid, campaign.audience.duplicates], ['draft', 3, 1, 1])
  const startedCampaign = await post(`${campaignsUrl}/${campaign.id}/start`)
  assert.equal(startedCampaign.status, 200, await startedCampaign.text())
  let progress: { state?: string, progress?: Record<string, unknown> } = {}
  await waitFor(async () => {
    progress = await (await fetch(`${campaignsUrl}/${campaign.id}`)).json() as typeof progress
    return progress.state === 'completed'
  }, 90_000, () => `the campaign to complete: ${JSON.stringify(progress)}`)
  assert.equal(progress.progress?.failed, 0, JSON.stringify(progress))
  for (const n of [0, 1, 2]) {
    await waitFor(async () => {
      state = await (await api('GET', `/v1/messages/cmp.${campaign.id}.${n}`)).json() as { state?: string }
      return ['sent', 'delivered', 'read'].includes(state.state ?? '')
    }, 60_000, () => `campaign message ${n} to be sent: ${JSON.stringify(state)}`)
  }

  // What each running part exports on Prometheus is what its README documents: nothing undocumented,
  // and the instruments this loop must have recorded are there.
  const scraped: Record<Exclude<Service, 'http'>, { port: number, recorded: string[] }> = {
    ingress: { port: ports.ingressPrometheus, recorded: ['wabridge_ingress_requests_total', 'wabridge_ingress_records_total', 'wabridge_ingress_request_duration', 'wabridge_ingress_produce_duration'] },
    egress: { port: ports.egressPrometheus, recorded: ['wabridge_egress_sends_total', 'wabridge_egress_results_total', 'wabridge_egress_send_duration', 'wabridge_http_requests_total'] },
    metrics: { port: ports.prometheus, recorded: ['wabridge_inbound_messages_total', 'wabridge_outbound_results_total', 'wabridge_statuses_total'] }
  }
  const edges = {
    notifier: { port: ports.notifierPrometheus, recorded: ['wabridge_http_requests_total'] },
    webhooks: { port: ports.webhooksPrometheus, recorded: ['wabridge_webhooks_deliveries_total', 'wabridge_webhooks_delivery_duration'] }
  }
  // Besides its own, every part with an HTTP server exports the shared request series (docs/http-api.md, Metrics).
  const shared = await documentedMetricNames('http')
  const documentedBy = async (service: string) => [...shared, ...(service in scraped
    ? await documentedMetricNames(service as Service)
    : await documentedMetricNamesIn(`services/${service}/README.md`, '## Metrics'))]
  for (const [service, { port, recorded }] of Object.entries({ ...scraped, ...edges })) {
    const documented = new Set(await documentedBy(service))
    const exported = [...exportedFamilies(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).keys()]
      .filter((name) => name.startsWith('wabridge_') || name.startsWith('messaging_'))
    assert.deepEqual(exported.filter((name) => !documented.has(name)), [], `${service} exports names its README does not document`)
    for (const name of recorded) assert.ok(exported.includes(name), `${service} exports ${name}: ${exported.join(' ')}`)
  }
  // The API exports on the port npm start gave it (its README documents no wabridge_ names of its own), and so do the scheduler, campaigns, conversations and media.
  for (const port of [ports.apiPrometheus, ports.schedulerPrometheus, ports.campaignsPrometheus, ports.conversationsPrometheus, ports.mediaPrometheus]) {
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200, `Prometheus on ${port}`)
  }
  // The conversations service counted the windows it wrote (the customer who wrote above, at least).
  const conversationsFamilies = [...exportedFamilies(await (await fetch(`http://127.0.0.1:${ports.conversationsPrometheus}/metrics`)).text()).keys()]
  assert.ok(conversationsFamilies.some((name) => name.startsWith('wabridge_conversations_windows_written')), conversationsFamilies.join(' '))
  // The scheduler counted the request it released (its README names the instrument wabridge.scheduler.released).
  const schedulerFamilies = [...exportedFamilies(await (await fetch(`http://127.0.0.1:${ports.schedulerPrometheus}/metrics`)).text()).keys()]
  assert.ok(schedulerFamilies.some((name) => name.startsWith('wabridge_scheduler_released')), schedulerFamilies.join(' '))

  // Every part stops on SIGTERM and the script exits 0: the simulator (the source of webhooks) first,
  // then the others together, the broker last.
  stack.kill('SIGTERM')
  assert.equal(await exited, 0, output.slice(-3000))
  const parts = ['ingress', 'egress', 'metrics', 'api', 'webhooks', 'notifier', 'scheduler', 'campaigns', 'conversations', 'media']
  for (const part of parts) assert.match(output, new RegExp(`\\[${part} *\\] .*stopped`))
  const at = (pattern: RegExp) => output.search(pattern)
  const simExited = at(/\[sim {5}\] .*exiting/)
  assert.ok(simExited > 0, 'the simulator exits')
  for (const part of parts) assert.ok(at(new RegExp(`\\[${part} *\\] .*stopping`)) > simExited, `${part} stops after the simulator exited`)
  assert.ok(at(/\[start {3}\] stopped/) > Math.max(...parts.map((part) => at(new RegExp(`\\[${part} *\\] .*exiting`)))), 'the stack says stopped after every part exited')
  for (const port of [ports.ingress, ports.egress, ports.metrics, ports.api, ports.notifier, ports.webhooks, ports.scheduler, ports.campaigns, ports.conversations, ports.media, ports.sim]) {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), `port ${port} is still served after stop`)
  }
})
