import { Option, type Command } from 'commander'
import { CliError } from '../context.ts'

export interface TemplatesOptions {
  /** The conversations service's URL. */
  conversations: string
  /** CONVERSATIONS_ADMIN_TOKEN, sent as a bearer token when set. */
  conversationsToken?: string
  json?: boolean
}

interface TemplateJson {
  waba_id: string
  name: string
  language: string
  template_id: string | null
  status: string
  category: string | null
  parameter_format: string | null
  components: unknown[] | null
  quality_score: string | null
  reason: string | null
  status_changed_at: string | null
  synced_at: string | null
  source: string
  updated_at: string
}

interface SyncJson {
  waba_id: string
  ok: boolean
  error?: string
  listed: number
  written: number
  removed: number
  unchanged: number
  changes: Array<{ name: string, language: string, change: 'written' | 'removed', status: string | null, previous_status: string | null }>
}

/** One call to the conversations service's API; a service that does not answer is a one-line error. */
async function call (o: TemplatesOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number, body: Record<string, unknown> }> {
  const url = new URL(path, o.conversations)
  let res: Response
  try {
    res = await fetch(url, {
      method,
      headers: { ...(o.conversationsToken && { authorization: `Bearer ${o.conversationsToken}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) })
    })
  } catch {
    throw new CliError(`the conversations service does not answer at ${url.origin} (npm run conversations; or --conversations URL)`)
  }
  const answer = await res.json().catch(() => ({})) as Record<string, unknown>
  if (res.status === 401 || res.status === 403) throw new CliError(`the conversations service refused: ${errorMessage(answer)} (--conversations-token or CONVERSATIONS_ADMIN_TOKEN)`)
  if (res.status >= 500) throw new CliError(`the conversations service failed: ${errorMessage(answer)}`)
  return { status: res.status, body: answer }
}

const errorMessage = (body: Record<string, unknown>) => String((body.error as { message?: string } | undefined)?.message ?? JSON.stringify(body))

const line = (t: TemplateJson) => `${t.waba_id}  ${t.name.padEnd(28)} ${t.language.padEnd(6)} ${t.status.padEnd(9)} ${(t.category ?? '-').padEnd(14)} ` +
  `quality ${(t.quality_score ?? '-').padEnd(7)}${t.status_changed_at ? ` since ${t.status_changed_at}` : ''}${t.reason ? `  (${t.reason})` : ''}`

/** `templates list`: the catalogue, optionally one WABA's or one status's. */
export async function templatesList (o: TemplatesOptions & { waba?: string, status?: string, name?: string }): Promise<number> {
  const query = new URLSearchParams()
  if (o.waba) query.set('waba_id', o.waba)
  if (o.status) query.set('status', o.status)
  if (o.name) query.set('name', o.name)
  const { status, body } = await call(o, 'GET', `/v1/templates${query.size > 0 ? `?${query.toString()}` : ''}`)
  if (status !== 200) throw new CliError(errorMessage(body))
  const list = body as unknown as { templates: TemplateJson[], count: number }
  if (o.json) {
    process.stdout.write(JSON.stringify(list) + '\n')
    return 0
  }
  for (const t of list.templates) process.stdout.write(line(t) + '\n')
  process.stderr.write(`${list.count} template(s)\n`)
  return 0
}

/** `templates show <waba_id> <name> <language>`: one template with its components; exit 1 when the catalogue has none. */
export async function templatesShow (o: TemplatesOptions, waba: string, name: string, language: string): Promise<number> {
  const { status, body } = await call(o, 'GET', `/v1/templates/${encodeURIComponent(waba)}/${encodeURIComponent(name)}/${encodeURIComponent(language)}`)
  if (status !== 200) throw new CliError(errorMessage(body))
  const t = body as unknown as TemplateJson
  if (o.json) {
    process.stdout.write(JSON.stringify(t) + '\n')
    return 0
  }
  process.stdout.write(line(t) + '\n')
  process.stdout.write(`id ${t.template_id ?? '-'}  parameters ${t.parameter_format ?? '-'}  source ${t.source}  synced ${t.synced_at ?? 'never'}  updated ${t.updated_at}\n`)
  process.stdout.write(t.components === null ? 'components unknown (not synced yet)\n' : JSON.stringify(t.components, null, 2) + '\n')
  return 0
}

/** `templates sync [--waba <id>…]`: lists the WABAs' templates now; exit 1 when a WABA's sync failed. */
export async function templatesSync (o: TemplatesOptions & { waba?: string[] }): Promise<number> {
  const { status, body } = await call(o, 'POST', '/v1/templates/sync', o.waba && o.waba.length > 0 ? { waba_id: o.waba } : {})
  if (status !== 200) throw new CliError(errorMessage(body))
  const results = (body as unknown as { results: SyncJson[] }).results
  if (o.json) {
    process.stdout.write(JSON.stringify(body) + '\n')
  } else {
    for (const r of results) {
      process.stdout.write(r.ok
        ? `${r.waba_id}  synced: ${r.listed} listed, ${r.written} written, ${r.removed} removed, ${r.unchanged} unchanged\n`
        : `${r.waba_id}  sync failed: ${r.error ?? 'unknown error'}\n`)
      for (const c of r.changes) {
        process.stdout.write(`  ${c.change === 'removed' ? '-' : c.previous_status === null ? '+' : '~'} ${c.name} ${c.language}  ${c.previous_status ?? ''}${c.previous_status !== null && c.status !== null ? ' → ' : ''}${c.status ?? ''}\n`)
      }
    }
    if (results.length === 0) process.stderr.write('no WABA to sync (CONVERSATIONS_WABAS, WA_PHONE_WABAS; or --waba)\n')
  }
  return results.every((r) => r.ok) ? 0 : 1
}

/** Registers `wabridge templates list|show|sync` (the conversations service's template catalogue API). */
export function registerTemplates (program: Command, done: (code: number) => void): void {
  const withApi = (c: Command) => c
    .addOption(new Option('--conversations <url>', 'the conversations service\'s URL').env('CONVERSATIONS_URL').default('http://127.0.0.1:8088'))
    .addOption(new Option('--conversations-token <token>', 'the conversations service\'s admin token (needed when it is not on loopback)').env('CONVERSATIONS_ADMIN_TOKEN'))
    .option('--json', 'print the API\'s JSON')
  const templates = program.command('templates').description('the template catalogue (the conversations service; topic <prefix>.templates)')
  withApi(templates.command('list').description('templates per WABA, name and language with status, category and quality'))
    .option('--waba <waba_id>', 'only this WABA')
    .option('--status <status>', 'only this status (APPROVED, PAUSED, …)')
    .option('--name <name>', 'only this template name')
    .action(async (o: TemplatesOptions & { waba?: string, status?: string, name?: string }) => { done(await templatesList(o)) })
  withApi(templates.command('show <waba_id> <name> <language>').description('one template in one language, with its components'))
    .action(async (waba: string, name: string, language: string, o: TemplatesOptions) => { done(await templatesShow(o, waba, name, language)) })
  withApi(templates.command('sync').description('list the WABAs\' templates from the Graph API now and show what changed'))
    .option('--waba <waba_id>', 'only this WABA (repeatable; default every configured one)', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (o: TemplatesOptions & { waba?: string[] }) => { done(await templatesSync(o)) })
}
