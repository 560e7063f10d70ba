import { Option, type Command } from 'commander'
import { CliError } from '../context.ts'

export interface WindowOptions {
  /** The conversations service's URL. */
  conversations: string
  /** CONVERSATIONS_ADMIN_TOKEN, sent as a bearer token when set. */
  conversationsToken?: string
  json?: boolean
  /** Epoch ms of "ago" and "in" (tests). Default Date.now. */
  now?: number
}

interface WindowJson {
  phone_number_id: string
  wa_id: string
  csw: { open: boolean, last_inbound_at: string | null, closes_at: string | null }
  fep: { open: boolean, opened_at: string | null, closes_at: string | null }
}

const errorMessage = (body: Record<string, unknown>) => String((body.error as { message?: string } | undefined)?.message ?? JSON.stringify(body))

/** "3 h 12 min" from a duration in ms (minutes under an hour, seconds under a minute). */
export function humanDuration (ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000)
  if (s < 60) return `${s} s`
  const min = Math.floor(s / 60)
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`
}

/** The answer as two lines: the customer service window and the free entry point window. */
export function windowLines (w: WindowJson, now: number): string[] {
  const at = (iso: string) => Date.parse(iso) - now
  const when = (iso: string) => `${iso} (${at(iso) >= 0 ? `in ${humanDuration(at(iso))}` : `${humanDuration(at(iso))} ago`})`
  const csw = w.csw.open
    ? `customer service window  OPEN    since ${w.csw.last_inbound_at ? when(w.csw.last_inbound_at) : '-'}, until ${when(w.csw.closes_at!)}: free-form messages may be sent`
    : `customer service window  closed  ${w.csw.closes_at ? `since ${when(w.csw.closes_at)} (last message ${w.csw.last_inbound_at ? when(w.csw.last_inbound_at) : '-'})` : '(no message from this customer known)'}: templates only`
  const fep = w.fep.open
    ? `free entry point window  OPEN    since ${w.fep.opened_at ? when(w.fep.opened_at) : '-'}, until ${when(w.fep.closes_at!)}: messages are free`
    : `free entry point window  closed${w.fep.closes_at ? `  since ${when(w.fep.closes_at)}` : ''}`
  return [`${w.phone_number_id} → +${w.wa_id}`, csw, fep]
}

/** `window <phone_number_id> <customer>`: whether the CSW and the FEP are open, since and until when; exit 0 whatever they are. */
export async function windowShow (o: WindowOptions, phoneNumberId: string, customer: string): Promise<number> {
  const waId = customer.trim().replace(/^\+/, '')
  const url = new URL(`/v1/windows/${encodeURIComponent(phoneNumberId)}/${encodeURIComponent(waId)}`, o.conversations)
  let res: Response
  try {
    res = await fetch(url, { ...(o.conversationsToken && { headers: { authorization: `Bearer ${o.conversationsToken}` } }) })
  } catch {
    throw new CliError(`the conversations service does not answer at ${url.origin} (npm run conversations; or --conversations URL)`)
  }
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  if (res.status === 401 || res.status === 403) throw new CliError(`the conversations service refused: ${errorMessage(body)} (--conversations-token or CONVERSATIONS_ADMIN_TOKEN)`)
  if (res.status !== 200) throw new CliError(errorMessage(body))
  process.stdout.write(o.json ? JSON.stringify(body) + '\n' : windowLines(body as unknown as WindowJson, o.now ?? Date.now()).join('\n') + '\n')
  return 0
}

/** Registers `wabridge window <phone_number_id> <customer>` (the conversations service's windows API). */
export function registerWindow (program: Command, done: (code: number) => void): void {
  program.command('window <phone_number_id> <customer>')
    .description('whether a free-form message may be sent to a customer now: the customer service window (24 h) and the free entry point window (72 h) ' +
      'of a business number and a customer (+E.164 or wa_id), from the conversations service')
    .addOption(new Option('--conversations <url>', 'the conversations service\'s URL').env('CONVERSATIONS_URL').default('http://127.0.0.1:8088'))
    .addOption(new Option('--conversations-token <token>', 'the conversations service\'s admin token (needed when it is not on loopback)').env('CONVERSATIONS_ADMIN_TOKEN'))
    .option('--json', 'print the API\'s JSON')
    .action(async (phoneNumberId: string, customer: string, o: WindowOptions) => { done(await windowShow(o, phoneNumberId, customer)) })
}
