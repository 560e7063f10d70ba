import { formatReplayOutcome, listedLetter, readReplayLog, ReplayInterruptedError, replayDeadLetters, scanDeadLetters, type DeadLetterFilter } from '@wabridge/egress'
import { CliError, endProgress, progress, type CliContext } from '../context.ts'

export interface DlqOptions {
  number?: string
  code?: string
  since?: string
  until?: string
  limit?: string
  dryRun?: boolean
  again?: boolean
}

function time (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new CliError(`${flag} must be an ISO date-time, like 2026-11-24T18:00:00Z`, 2)
  return t
}

export function toFilter (o: DlqOptions): DeadLetterFilter {
  if (o.code !== undefined && !/^\d+$/.test(o.code)) throw new CliError('--code must be a whole number, like 131026', 2)
  if (o.limit !== undefined && !/^[1-9]\d*$/.test(o.limit)) throw new CliError('--limit must be a positive whole number', 2)
  const since = time('--since', o.since)
  const until = time('--until', o.until)
  return {
    ...(o.number !== undefined && { phoneNumberId: o.number }),
    ...(o.code !== undefined && { code: Number(o.code) }),
    ...(since !== undefined && { since }),
    ...(until !== undefined && { until })
  }
}

export async function dlqList (ctx: CliContext, o: DlqOptions): Promise<number> {
  const filter = toFilter(o)
  const replays = await readReplayLog(ctx.kafka, ctx.codec, ctx.prefix)
  const { scanned, matched } = await scanDeadLetters(ctx.kafka, ctx.codec, ctx.topics.outboundDlq, filter, (letter) => {
    process.stdout.write(JSON.stringify(listedLetter(letter, replays)) + '\n')
  }, o.limit === undefined ? Infinity : Number(o.limit))
  process.stderr.write(`${matched} of ${scanned} dead letters matched\n`)
  return 0
}

export async function dlqReplay (ctx: CliContext, o: DlqOptions): Promise<number> {
  const filter = toFilter(o)
  const ticker = setInterval(() => progress('replaying…'), 500)
  try {
    const out = await replayDeadLetters(ctx.kafka, ctx.codec, {
      prefix: ctx.prefix,
      filter,
      dryRun: o.dryRun ?? false,
      again: o.again ?? false,
      ...(o.limit !== undefined && { limit: Number(o.limit) })
    })
    endProgress()
    process.stdout.write(formatReplayOutcome(out, o.dryRun ?? false) + '\n')
    return 0
  } catch (err) {
    endProgress()
    if (err instanceof ReplayInterruptedError) throw new CliError(err.message)
    throw err
  } finally {
    clearInterval(ticker)
  }
}
