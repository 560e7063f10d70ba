import { Option, type Command } from 'commander'
import { CliError } from '../context.ts'

export interface ScheduleOptions {
  /** The scheduler's URL. */
  scheduler: string
  /** SCHEDULER_ADMIN_TOKEN, sent as a bearer token when set. */
  schedulerToken?: string
  json?: boolean
}

interface ScheduledJson { request_id: string, state: string, send_at: string | null, at: string | null, partition: number | null }
interface PartitionJson { partition: number, state: string, indexed: number, later: number, next_due_at: string | null, boundary: string | null }
interface ListJson { partitions: PartitionJson[], indexed: number, later: number, next_due_at: string | null, memory: { rss_bytes: number, heap_used_bytes: number } }

/** One call to the scheduler's API: the answer's status and body; a scheduler that does not answer is a one-line error. */
async function call (o: ScheduleOptions, method: 'GET' | 'DELETE', path: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const url = new URL(path, o.scheduler)
  let res: Response
  try {
    res = await fetch(url, { method, ...(o.schedulerToken && { headers: { authorization: `Bearer ${o.schedulerToken}` } }) })
  } catch {
    throw new CliError(`the scheduler does not answer at ${url.origin} (npm run scheduler; or --scheduler URL)`)
  }
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  if (res.status === 401 || res.status === 403) throw new CliError(`the scheduler refused: ${errorMessage(body)} (--scheduler-token or SCHEDULER_ADMIN_TOKEN)`)
  if (res.status >= 500) throw new CliError(`the scheduler failed: ${errorMessage(body)}`)
  return { status: res.status, body }
}

const errorMessage = (body: Record<string, unknown>) => String((body.error as { message?: string } | undefined)?.message ?? JSON.stringify(body))
const line = (s: ScheduledJson) => `${s.request_id}  ${s.state}${s.send_at ? `  send_at ${s.send_at}` : ''}${s.at ? `  at ${s.at}` : ''}${s.partition === null ? '' : `  partition ${s.partition}`}`

/** `schedule show <request_id>`: pending with its send_at, released or cancelled; exit 1 when unknown. */
export async function scheduleShow (o: ScheduleOptions, id: string): Promise<number> {
  const { status, body } = await call(o, 'GET', `/v1/scheduled/${encodeURIComponent(id)}`)
  if (status === 404) throw new CliError(`no scheduled request ${id}`)
  if (status !== 200) throw new CliError(errorMessage(body))
  process.stdout.write((o.json ? JSON.stringify(body) : line(body as unknown as ScheduledJson)) + '\n')
  return 0
}

/** `schedule cancel <request_id>`: exit 0 once cancelled (or the cancel is on its way), 1 when released already or unknown. */
export async function scheduleCancel (o: ScheduleOptions, id: string): Promise<number> {
  const { status, body } = await call(o, 'DELETE', `/v1/scheduled/${encodeURIComponent(id)}`)
  if (status === 404) throw new CliError(`no scheduled request ${id}`)
  if (status === 409) throw new CliError(`too late: ${errorMessage(body)}`)
  if (status !== 200 && status !== 202) throw new CliError(errorMessage(body))
  process.stdout.write((o.json ? JSON.stringify(body) : line(body as unknown as ScheduledJson)) + '\n')
  if (status === 202) process.stderr.write('the owning scheduler instance did not confirm in time: the cancel command waits for it in the scheduled topic\n')
  return 0
}

/** `schedule list`: the answering instance's partitions, requests in memory and later, the next due. */
export async function scheduleList (o: ScheduleOptions): Promise<number> {
  const { status, body } = await call(o, 'GET', '/v1/scheduled')
  if (status !== 200) throw new CliError(errorMessage(body))
  const list = body as unknown as ListJson
  if (o.json) {
    process.stdout.write(JSON.stringify(list) + '\n')
    return 0
  }
  for (const p of list.partitions) {
    process.stdout.write(`partition ${String(p.partition).padEnd(4)} ${p.state.padEnd(8)} in memory ${String(p.indexed).padStart(8)}  later ≤ ${String(p.later).padStart(8)}  next due ${p.next_due_at ?? '-'}\n`)
  }
  process.stderr.write(`${list.partitions.length} partition(s) on this instance: ${list.indexed} in memory, ≤ ${list.later} later; next due ${list.next_due_at ?? '-'} ` +
    '(other instances answer for their own partitions)\n')
  return 0
}

/** Registers `wabridge schedule show|cancel|list` (the scheduler's HTTP API). */
export function registerSchedule (program: Command, done: (code: number) => void): void {
  const withApi = (c: Command) => c
    .addOption(new Option('--scheduler <url>', 'the scheduler\'s URL').env('SCHEDULER_URL').default('http://127.0.0.1:8086'))
    .addOption(new Option('--scheduler-token <token>', 'the scheduler\'s admin token (needed when it is not on loopback)').env('SCHEDULER_ADMIN_TOKEN'))
    .option('--json', 'print the API\'s JSON')
  const schedule = program.command('schedule').description('requests held until their send_at (the scheduler; topic <prefix>.outbound.scheduled)')
  withApi(schedule.command('show <request_id>').description('a scheduled request: pending with its send_at, released or cancelled'))
    .action(async (id: string, o: ScheduleOptions) => { done(await scheduleShow(o, id)) })
  withApi(schedule.command('cancel <request_id>').description('cancel a request before its send_at (its producer gets a cancelled result)'))
    .action(async (id: string, o: ScheduleOptions) => { done(await scheduleCancel(o, id)) })
  withApi(schedule.command('list').description('partitions of one scheduler instance: requests in memory, later ones, the next due'))
    .action(async (o: ScheduleOptions) => { done(await scheduleList(o)) })
}
