import { Option, type Command } from 'commander'
import { CliError } from '../context.ts'

export interface MediaOptions {
  /** The media worker's URL. */
  media: string
  /** MEDIA_ADMIN_TOKEN, sent as a bearer token when set. */
  mediaToken?: string
  json?: boolean
}

/** GET /v1/media/{media_id} of the media worker (times in RFC 3339). */
export interface MediaJson {
  status: 'ready' | 'failed'
  media_id: string
  media_type: string
  message_id: string
  phone_number_id: string
  wa_id: string
  mime_type: string | null
  sha256: string | null
  size: number | null
  storage_uri: string | null
  filename: string | null
  failure: string | null
  reason: string | null
  attempts: number
  completed_at: string
}

const errorMessage = (body: Record<string, unknown>) => String((body.error as { message?: string } | undefined)?.message ?? JSON.stringify(body))

/** The record as lines: where the file is (ready) or why there is none (failed). */
export function mediaLines (r: MediaJson): string[] {
  const head = `${r.media_type} ${r.media_id} of message ${r.message_id} (${r.phone_number_id} ← +${r.wa_id})`
  if (r.status === 'ready') {
    return [
      head,
      `ready    ${r.storage_uri ?? '-'}`,
      `         ${r.mime_type ?? '?'}, ${r.size ?? '?'} bytes, sha256 ${r.sha256 ?? '?'}${r.filename ? `, file name ${r.filename}` : ''}`,
      `         stored ${r.completed_at} after ${r.attempts} download attempt(s)`
    ]
  }
  return [head, `failed   ${r.failure ?? '?'}: ${r.reason ?? ''}`, `         given up ${r.completed_at} after ${r.attempts} download attempt(s)`]
}

/** `media <media_id>`: the media worker's last record of an inbound media; exit 0 whether it is ready or failed. */
export async function mediaShow (o: MediaOptions, mediaId: string): Promise<number> {
  const url = new URL(`/v1/media/${encodeURIComponent(mediaId)}`, o.media)
  let res: Response
  try {
    res = await fetch(url, { ...(o.mediaToken && { headers: { authorization: `Bearer ${o.mediaToken}` } }) })
  } catch {
    throw new CliError(`the media worker does not answer at ${url.origin} (npm run media; or --media URL)`)
  }
  const body = await res.json().catch(() => ({})) as Record<string, unknown>
  if (res.status === 401 || res.status === 403) throw new CliError(`the media worker refused: ${errorMessage(body)} (--media-token or MEDIA_ADMIN_TOKEN)`)
  if (res.status !== 200) throw new CliError(errorMessage(body))
  process.stdout.write(o.json ? JSON.stringify(body) + '\n' : mediaLines(body as unknown as MediaJson).join('\n') + '\n')
  return 0
}

/** Registers `wabridge media <media_id>` (the media worker's API). */
export function registerMedia (program: Command, done: (code: number) => void): void {
  program.command('media <media_id>')
    .description('what became of an inbound media: stored (its URI, type, size and sha256) or failed (the reason), from the media worker')
    .addOption(new Option('--media <url>', 'the media worker\'s URL').env('MEDIA_URL').default('http://127.0.0.1:8089'))
    .addOption(new Option('--media-token <token>', 'the media worker\'s admin token (needed when it is not on loopback)').env('MEDIA_ADMIN_TOKEN'))
    .option('--json', 'print the API\'s JSON')
    .action(async (mediaId: string, o: MediaOptions) => { done(await mediaShow(o, mediaId)) })
}
