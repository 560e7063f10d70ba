import { parseArgs } from 'node:util'
import { createKafkaClient, topicNames } from '@wabridge/kafka'
import { createCodec } from '@wabridge/schemas'
import { formatReplayOutcome, listedLetter, readReplayLog, replayDeadLetters, scanDeadLetters, type DeadLetterFilter } from './dlq-replay.ts'

const usage = `usage: npm run dlq -- <list|replay> [--number ID] [--code N] [--since ISO] [--until ISO] [--limit N] [--dry-run] [--again]

  list     print matching dead letters as JSON lines (replayed: the replay log's entry, or null)
  replay   send matching dead letters' requests again, each once (new request_id <old>~replay-<partition>-<offset>,
           metadata.replay_of = the old one; the replay log <prefix>.outbound.dlq.replays remembers them)
  --again  replay: also letters replayed before, once more each

Reads KAFKA_BROKERS (default 127.0.0.1:9092) and TOPIC_PREFIX (default wa).`

function toTime (flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new Error(`${flag} must be an ISO date-time, like 2026-11-24T18:00:00Z`)
  return t
}

async function main (): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      number: { type: 'string' },
      code: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      'dry-run': { type: 'boolean' },
      again: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const command = positionals[0]
  if (values.help || (command !== 'list' && command !== 'replay')) {
    process.stdout.write(usage + '\n')
    return values.help ? 0 : 2
  }
  if (values.code !== undefined && !/^\d+$/.test(values.code)) throw new Error('--code must be a whole number, like 131026')
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new Error('--limit must be a whole number')
  const filter: DeadLetterFilter = {
    ...(values.number !== undefined && { phoneNumberId: values.number }),
    ...(values.code !== undefined && { code: Number(values.code) }),
    ...(values.since !== undefined && { since: toTime('--since', values.since) }),
    ...(values.until !== undefined && { until: toTime('--until', values.until) })
  }
  const topics = topicNames(process.env.TOPIC_PREFIX || 'wa')
  const kafka = createKafkaClient({ brokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','), clientId: 'wabridge-dlq' })
  const codec = createCodec(process.env.SCHEMA_REGISTRY_URL ? { registry: process.env.SCHEMA_REGISTRY_URL } : {})
  const limit = values.limit === undefined ? undefined : Number(values.limit)
  if (command === 'list') {
    const replays = await readReplayLog(kafka, codec, process.env.TOPIC_PREFIX || 'wa')
    const { scanned, matched } = await scanDeadLetters(kafka, codec, topics.outboundDlq, filter, (letter) => {
      process.stdout.write(JSON.stringify(listedLetter(letter, replays)) + '\n')
    }, limit)
    process.stderr.write(`${matched} of ${scanned} dead letters matched\n`)
    return 0
  }
  const out = await replayDeadLetters(kafka, codec, {
    prefix: process.env.TOPIC_PREFIX || 'wa', filter, dryRun: values['dry-run'] ?? false, again: values.again ?? false, ...(limit !== undefined && { limit })
  })
  process.stderr.write(formatReplayOutcome(out, values['dry-run'] ?? false) + '\n')
  return 0
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`dlq: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exitCode = 1
})
