import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { SingleBar } from 'cli-progress'
import { Option, type Command } from 'commander'
import { CliError } from '../context.ts'

export interface CampaignApiOptions {
  /** The campaigns service's URL. */
  campaigns: string
  /** CAMPAIGNS_ADMIN_TOKEN, sent as a bearer token when set. */
  campaignsToken?: string
  json?: boolean
}

export interface CampaignCreateOptions extends CampaignApiOptions {
  number: string
  name: string
  template?: string
  language?: string
  bodyParam?: string[]
  templateFile?: string
  audience?: string
  format?: string
  sendAt?: string
  rate?: string
  window?: string
  endBy?: string
  region?: string
  metadata?: string[]
  start?: boolean
}

interface CampaignJson {
  id: string
  name: string
  phone_number_id: string
  state: string
  held: boolean
  held_until: string | null
  send_at: string | null
  audience: { size: number, invalid: number, duplicates: number, invalid_rows: Array<{ line: number, reason: string }> }
  progress: { queued: number, sent: number, delivered: number, read: number, failed: number, suppressed: number, skipped: number, deferred: number, pending: number, failed_by_code: Record<string, number> }
  last_command_error: string | null
}

const TERMINAL = new Set(['completed', 'cancelled'])
const errorMessage = (body: unknown) => String((body as { error?: { message?: string } })?.error?.message ?? JSON.stringify(body))

/** One call to the campaigns API; a service that does not answer, refuses the token or fails is a one-line error. */
async function call (o: CampaignApiOptions, method: 'GET' | 'POST', path: string, body?: { json: unknown } | { text: string, type: string }): Promise<{ status: number, body: any }> {
  const url = new URL(path, o.campaigns)
  const headers: Record<string, string> = {}
  if (o.campaignsToken) headers.authorization = `Bearer ${o.campaignsToken}`
  let payload: string | undefined
  if (body && 'json' in body) {
    headers['content-type'] = 'application/json'
    payload = JSON.stringify(body.json)
  } else if (body) {
    headers['content-type'] = body.type
    payload = body.text
  }
  let res: Response
  try {
    res = await fetch(url, { method, headers, ...(payload !== undefined && { body: payload }) })
  } catch {
    throw new CliError(`the campaigns service does not answer at ${url.origin} (npm run campaigns; or --campaigns URL)`)
  }
  const answer = await res.json().catch(() => ({})) as unknown
  if (res.status === 401 || res.status === 403) throw new CliError(`the campaigns service refused: ${errorMessage(answer)} (--campaigns-token or CAMPAIGNS_ADMIN_TOKEN)`)
  if (res.status >= 500) throw new CliError(`the campaigns service failed: ${errorMessage(answer)}`)
  if (res.status === 404) throw new CliError(errorMessage(answer))
  if (res.status >= 400) throw new CliError(errorMessage(answer), res.status === 409 ? 1 : 2)
  return { status: res.status, body: answer }
}

const done = (c: CampaignJson) => c.progress.sent + c.progress.failed + c.progress.suppressed + c.progress.skipped
const summary = (c: CampaignJson) => {
  const p = c.progress
  const held = c.held ? `  held by the messaging limit until ${c.held_until}` : ''
  const codes = Object.entries(p.failed_by_code).map(([code, n]) => `${code}×${n}`).join(',')
  return `${c.id}  ${c.state.padEnd(9)} ${c.name}  to ${c.audience.size}: queued ${p.queued}, sent ${p.sent}, delivered ${p.delivered}, read ${p.read}, failed ${p.failed}${codes ? ` (${codes})` : ''}, ` +
    `suppressed ${p.suppressed}, skipped ${p.skipped}, deferred ${p.deferred}, pending ${p.pending}${held}${c.last_command_error ? `  (last command refused: ${c.last_command_error})` : ''}`
}

function print (o: CampaignApiOptions, c: CampaignJson): void {
  process.stdout.write((o.json ? JSON.stringify(c) : summary(c)) + '\n')
}

function pendingNotice (body: { applied?: boolean }): void {
  if (body.applied === false) process.stderr.write('no campaigns instance applied the command in time: it waits in the commands topic and applies when one runs\n')
}

/** Reads an audience file: CSV by .csv, NDJSON by .ndjson/.jsonl (or --format). */
export function readAudienceFile (path: string, format?: string): { text: string, type: string } {
  const f = format ?? ({ '.csv': 'csv', '.ndjson': 'ndjson', '.jsonl': 'ndjson' } as Record<string, string>)[extname(path).toLowerCase()]
  if (f !== 'csv' && f !== 'ndjson') throw new CliError(`--audience ${path}: say --format csv or ndjson`, 2)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new CliError(`--audience ${path}: ${(err as Error).message}`, 2)
  }
  return { text, type: f === 'csv' ? 'text/csv' : 'application/x-ndjson' }
}

function templateOf (o: CampaignCreateOptions): unknown {
  if (o.templateFile) {
    try {
      return JSON.parse(readFileSync(o.templateFile, 'utf8')) as unknown
    } catch (err) {
      throw new CliError(`--template-file ${o.templateFile}: ${(err as Error).message}`, 2)
    }
  }
  if (!o.template) throw new CliError('--template <name> or --template-file <file.json> is required', 2)
  const params = o.bodyParam ?? []
  return {
    name: o.template,
    language: o.language ?? 'en_US',
    ...(params.length > 0 && { components: [{ type: 'body', parameters: params.map((text) => ({ type: 'text', text })) }] })
  }
}

const iso = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new CliError(`${flag} '${value}' must be a date-time such as 2026-12-24T09:00:00+01:00`, 2)
  return new Date(ms).toISOString()
}

/** `campaign create`: a draft (optionally with its audience, optionally started). */
export async function campaignCreate (o: CampaignCreateOptions): Promise<number> {
  const window = o.window === undefined ? undefined : /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(o.window)
  if (o.window !== undefined && !window) throw new CliError(`--window '${o.window}' must be HH:MM-HH:MM, e.g. 09:00-20:00`, 2)
  const metadata = Object.fromEntries((o.metadata ?? []).map((kv) => {
    const at = kv.indexOf('=')
    if (at <= 0) throw new CliError(`--metadata '${kv}' must be key=value`, 2)
    return [kv.slice(0, at), kv.slice(at + 1)]
  }))
  const audience = o.audience ? readAudienceFile(o.audience, o.format) : undefined
  const body = {
    name: o.name,
    phone_number_id: o.number,
    template: templateOf(o),
    ...(o.sendAt !== undefined && { send_at: iso('--send-at', o.sendAt) }),
    ...(o.rate !== undefined && { rate_cap_mps: Number(o.rate) }),
    ...(window && { window: { start: window[1], end: window[2] } }),
    ...(o.endBy !== undefined && { end_by: iso('--end-by', o.endBy) }),
    ...(o.region !== undefined && { default_region: o.region }),
    ...(Object.keys(metadata).length > 0 && { metadata })
  }
  const created = await call(o, 'POST', '/v1/campaigns', { json: body })
  if (created.status === 202) {
    pendingNotice(created.body)
    throw new CliError(`campaign ${created.body.campaign_id} is not created yet: add its audience once it is (wabridge campaign status ${created.body.campaign_id})`)
  }
  let campaign = created.body as CampaignJson
  if (audience) {
    const uploaded = await call(o, 'POST', `/v1/campaigns/${campaign.id}/audience`, audience)
    pendingNotice(uploaded.body)
    if (uploaded.status === 200) {
      campaign = uploaded.body.campaign as CampaignJson
      for (const r of uploaded.body.invalid_rows as Array<{ line: number, reason: string }>) process.stderr.write(`${o.audience}:${r.line}: ${r.reason}\n`)
      process.stderr.write(`audience: ${uploaded.body.accepted} recipients, ${uploaded.body.invalid} invalid rows, ${uploaded.body.duplicates} duplicates\n`)
    }
  }
  if (o.start) {
    const started = await call(o, 'POST', `/v1/campaigns/${campaign.id}/start`)
    pendingNotice(started.body)
    if (started.status === 200) campaign = started.body as CampaignJson
  }
  print(o, campaign)
  return 0
}

/** `campaign start|pause|resume|cancel <id>`. */
export async function campaignCommand (o: CampaignApiOptions, command: 'start' | 'pause' | 'resume' | 'cancel', id: string): Promise<number> {
  const { status, body } = await call(o, 'POST', `/v1/campaigns/${encodeURIComponent(id)}/${command}`)
  if (status === 202) {
    pendingNotice(body)
    return 0
  }
  print(o, body as CampaignJson)
  return 0
}

/** `campaign status <id> [--watch]`: the progress, once or with a progress bar until the campaign ends. */
export async function campaignStatus (o: CampaignApiOptions & { watch?: boolean, intervalMs?: number }, id: string): Promise<number> {
  const get = async () => (await call(o, 'GET', `/v1/campaigns/${encodeURIComponent(id)}`)).body as CampaignJson
  let c = await get()
  if (!o.watch || o.json) {
    print(o, c)
    return 0
  }
  const bar = new SingleBar({
    format: '{bar} {percentage}% | {value}/{total} | {state} | sent {sent} delivered {delivered} read {read} failed {failed} suppressed {suppressed} | {eta_formatted}',
    hideCursor: true,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 5000
  })
  const fields = (x: CampaignJson) => ({ state: x.held ? 'held' : x.state, sent: x.progress.sent, delivered: x.progress.delivered, read: x.progress.read, failed: x.progress.failed, suppressed: x.progress.suppressed })
  bar.start(Math.max(1, c.audience.size), done(c), fields(c))
  while (!TERMINAL.has(c.state)) {
    await sleep(o.intervalMs ?? 1000)
    c = await get()
    bar.setTotal(Math.max(1, c.audience.size))
    bar.update(done(c), fields(c))
  }
  bar.stop()
  print(o, c)
  return 0
}

/** `campaign list`. */
export async function campaignList (o: CampaignApiOptions & { state?: string }): Promise<number> {
  const { body } = await call(o, 'GET', `/v1/campaigns${o.state ? `?state=${encodeURIComponent(o.state)}` : ''}`)
  const list = (body as { campaigns: CampaignJson[] }).campaigns
  if (o.json) process.stdout.write(JSON.stringify(list) + '\n')
  else for (const c of list) process.stdout.write(summary(c) + '\n')
  if (!o.json) process.stderr.write(`${list.length} campaign(s)\n`)
  return 0
}

const collect = (value: string, previous: string[] = []) => [...previous, value]

/** Registers `wabridge campaign create|start|pause|resume|cancel|status|list` (the campaigns service's HTTP API). */
export function registerCampaign (program: Command, done: (code: number) => void): void {
  const withApi = (c: Command) => c
    .addOption(new Option('--campaigns <url>', 'the campaigns service\'s URL').env('CAMPAIGNS_URL').default('http://127.0.0.1:8087'))
    .addOption(new Option('--campaigns-token <token>', 'the campaigns service\'s admin token (needed when it is not on loopback)').env('CAMPAIGNS_ADMIN_TOKEN'))
    .option('--json', 'print the API\'s JSON')
  const campaign = program.command('campaign').description('campaigns: a template message to an audience, paced so conversations go first (the campaigns service)')
  withApi(campaign.command('create').description('create a campaign (draft), with its audience file; --start starts it'))
    .requiredOption('--number <phone_number_id>', 'the sending number')
    .requiredOption('--name <name>', 'a name for people')
    .option('--template <name>', 'the template\'s name')
    .option('--language <code>', 'the template\'s language', 'en_US')
    .option('--body-param <text>', 'a body parameter, in order; {{column}} takes the recipient\'s column (repeatable)', collect)
    .option('--template-file <file.json>', 'the whole template object (name, language, components with {{column}} placeholders) instead')
    .option('--audience <file>', 'CSV (header row; the number in to/phone) or NDJSON ({"to": …, "name": …} per line)')
    .option('--format <csv|ndjson>', 'the audience file\'s format (default from its extension)')
    .option('--send-at <date-time>', 'start no earlier than this (RFC 3339)')
    .option('--rate <msg_per_s>', 'rate cap (default 80 % of the number\'s rate)')
    .option('--window <HH:MM-HH:MM>', 'local-time window in the recipient\'s time zone(s), e.g. 09:00-20:00')
    .option('--end-by <date-time>', 'skip whoever waits for a window then')
    .option('--region <CC>', 'region of national numbers in the audience, e.g. IT')
    .option('--metadata <key=value>', 'echoed on every request and result (repeatable)', collect)
    .option('--start', 'start it right away')
    .action(async (o: CampaignCreateOptions) => { done(await campaignCreate(o)) })
  for (const [command, description] of [
    ['start', 'start a draft campaign (scheduled until its send_at)'],
    ['pause', 'pause a running campaign (takes effect within a second)'],
    ['resume', 'resume a paused campaign where it stopped'],
    ['cancel', 'cancel a campaign for good (recipients not sent yet are skipped)']
  ] as const) {
    withApi(campaign.command(`${command} <id>`).description(description))
      .action(async (id: string, o: CampaignApiOptions) => { done(await campaignCommand(o, command, id)) })
  }
  withApi(campaign.command('status <id>').description('a campaign\'s progress; --watch: a progress bar until it ends'))
    .option('--watch', 'follow it with a progress bar until it completes or is cancelled')
    .action(async (id: string, o: CampaignApiOptions & { watch?: boolean }) => { done(await campaignStatus(o, id)) })
  withApi(campaign.command('list').description('every campaign, newest first'))
    .option('--state <state>', 'only draft, scheduled, running, paused, completed or cancelled ones')
    .action(async (o: CampaignApiOptions & { state?: string }) => { done(await campaignList(o)) })
}
