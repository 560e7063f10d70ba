import { Argument, Command, CommanderError, Option } from 'commander'
import { CliError, createContext, type GlobalOptions } from './context.ts'
import { send } from './commands/send.ts'
import { tail } from './commands/tail.ts'
import { dlqList, dlqReplay } from './commands/dlq.ts'
import { topicsEnsure, topicsList } from './commands/topics.ts'
import { simulate } from './commands/simulate.ts'
import { reconcileUsage, usage } from './commands/usage.ts'
import { SERVE_PARTS, isServePart, toPartEnv } from './commands/serve.ts'
import { start } from './commands/start.ts'
import { registerSilences } from './commands/silences.ts'
import { registerSubscriptions } from './commands/subscriptions.ts'
import { registerKeys } from './commands/keys.ts'
import { registerNumbers } from './commands/numbers.ts'
import { registerSuppressions } from './commands/suppressions.ts'
import { registerSchedule } from './commands/schedule.ts'
import { registerCampaign } from './commands/campaign.ts'
import { registerTemplates } from './commands/templates.ts'
import { registerWindow } from './commands/window.ts'
import { registerMedia } from './commands/media.ts'

const program = new Command('wabridge')
  .description('Run and operate a wabridge gateway: serve a part, start the local stack, send messages, read topics, inspect and replay dead letters, query usage.')
  .addOption(new Option('--brokers <list>', 'Kafka bootstrap brokers').env('KAFKA_BROKERS').default('127.0.0.1:9092'))
  .addOption(new Option('--prefix <prefix>', 'topic prefix').env('TOPIC_PREFIX').default('wa'))
  .addOption(new Option('--registry <url>', 'schema registry URL (Confluent API)').env('SCHEMA_REGISTRY_URL'))
  .exitOverride()
  .showHelpAfterError('(add --help for usage)')

let code = 0
const ctx = () => createContext(program.opts<GlobalOptions>())
const collect = (value: string, previous: string[] = []) => [...previous, value]
/** `start` and `serve` configure their parts by environment: flags given on the command line go there. */
const flagsToEnv = () => {
  const flagged = (name: keyof GlobalOptions) => program.getOptionValueSource(name) === 'cli' ? program.opts<GlobalOptions>()[name] : undefined
  Object.assign(process.env, toPartEnv({ brokers: flagged('brokers'), prefix: flagged('prefix'), registry: flagged('registry') }))
}

program.command('start')
  .summary('the whole gateway on this machine, as npm start')
  .description('the whole gateway on this machine, as npm start: the local Kafka broker unless KAFKA_BROKERS is set, ' +
    'the topics, the Graph API simulator unless GRAPH_API_BASE_URL is set, then ingress, egress, metrics, api, webhooks and notifier; Ctrl-C stops it')
  .action(async () => {
    flagsToEnv()
    code = await start()
  })

/** The part `serve` runs: imported after parsing, outside the error handling below (see there). */
let served: string | undefined
program.command('serve')
  .summary('run one part (ingress, egress, metrics, api, notifier, webhooks, scheduler, campaigns, conversations, media or sim) in this process')
  .description('run one part of the gateway in this process, configured by its environment variables: ' +
    'the same program as node services/<part>/dist/main.js (same logs; SIGTERM drains, then exit 0)')
  .addArgument(new Argument('<part>', 'the part; sim is the Graph API simulator, for development').choices(Object.keys(SERVE_PARTS)))
  .action((part: string) => {
    if (!isServePart(part)) return
    flagsToEnv()
    served = SERVE_PARTS[part]
  })

program.command('send')
  .description('put a send request on the outbound topic; with --wait, print its result')
  .requiredOption('--from <phone_number_id>', 'the business phone number id that sends')
  .requiredOption('--to <recipient>', 'the customer, E.164 (+16505551234)')
  .option('--text <body>', 'a text message')
  .option('--template <name>', 'a template message')
  .option('--language <code>', 'template language', 'en_US')
  .option('--image-link <url>', 'an image by link')
  .option('--document-link <url>', 'a document by link')
  .option('--caption <text>', 'caption for an image or document')
  .option('--json <message>', "Meta's message object as JSON, for any other type")
  .option('--reply-to <wamid>', 'reply to this message (context)')
  .option('--request-id <id>', 'your id for the request (default: a random UUID)')
  .option('--expires-in <duration>', 'do not send after this long: 30s, 10m, 2h')
  .option('--send-at <time>', 'send no earlier than this RFC 3339 time (2026-12-07T09:00:00+01:00), at most 365 days ahead; later than 1 s from now: held by the scheduler (outbound.scheduled)')
  .option('--priority <priority>', 'interactive (default: conversations, first) or bulk (what interactive leaves of the rate)')
  .option('--meta <key=value>', 'metadata echoed on the result (repeatable)', collect)
  .option('--wait', 'wait for the result and print it')
  .option('--timeout <seconds>', 'how long --wait waits', '30')
  .action(async (o) => { code = await send(ctx(), o) })

program.command('tail <topic>')
  .description('print decoded records of a topic as JSON lines (topic with or without the prefix: outbound.results)')
  .option('--from-beginning', 'start at the oldest record instead of now')
  .option('--limit <n>', 'stop after n records')
  .option('--idle-ms <ms>', 'stop when no record arrived for this long')
  .action(async (topic: string, o) => { code = await tail(ctx(), topic, o) })

const dlq = program.command('dlq').description('inspect and replay dead letters (wa.outbound.dlq)')
const filters = (c: Command) => c
  .option('--number <phone_number_id>', 'only this business number')
  .option('--code <code>', 'only this Meta error code, e.g. 131026')
  .option('--since <iso>', 'failed at or after')
  .option('--until <iso>', 'failed before')
  .option('--limit <n>', 'at most n dead letters')
filters(dlq.command('list').description('print matching dead letters as JSON lines (replayed: when and as which request, or null)'))
  .action(async (o) => { code = await dlqList(ctx(), o) })
filters(dlq.command('replay').description('send matching dead letters again, as new requests, each once (the replay log <prefix>.outbound.dlq.replays remembers them)'))
  .option('--dry-run', 'count what would be replayed, send nothing')
  .option('--again', 'also replay letters replayed before, once more each')
  .action(async (o) => { code = await dlqReplay(ctx(), o) })

const usageCommand = program.command('usage')
  .description('query usage counts from the metrics service')
  .option('--number <phone_number_id>', 'business phone number id (required)')
  .option('--start <iso>', 'from (default: 24 h ago)')
  .option('--end <iso>', 'to (default: now)')
  .addOption(new Option('--granularity <g>', 'bucket size').choices(['HALF_HOUR', 'DAILY', 'MONTHLY']).default('DAILY'))
  .addOption(new Option('--metrics <url>', 'metrics service URL').env('METRICS_URL').default('http://127.0.0.1:8082'))
  .addOption(new Option('--metrics-token <token>', "the metrics service's admin token (needed when it is not on loopback)").env('METRICS_ADMIN_TOKEN'))
  .option('--json', 'print the API response as JSON')
  .action(async (o) => { code = await usage(o) })
usageCommand.command('reconcile')
  .description("compare Meta's pricing_analytics of a WABA with the gateway's usage API; prints every difference, exit code 1 when any")
  .requiredOption('--waba <id>', 'WABA id')
  // --start, --end, --granularity, --metrics, --metrics-token and --json are also options of `usage`, which commander
  // gives them to: declared here without defaults (for --help), read through optsWithGlobals.
  .option('--start <time>', 'from: unix seconds or ISO 8601 (required)')
  .option('--end <time>', 'to (exclusive): unix seconds or ISO 8601 (required)')
  .addOption(new Option('--granularity <g>', 'bucket size (default DAILY)').choices(['HALF_HOUR', 'DAILY', 'MONTHLY']))
  .addOption(new Option('--graph-url <url>', 'Graph API base URL (the simulator in development)').env('GRAPH_API_BASE_URL').default('https://graph.facebook.com'))
  .addOption(new Option('--api-version <v>', 'Graph API version').env('GRAPH_API_VERSION').default('v23.0'))
  .addOption(new Option('--token <token>', 'a Graph API token that may read the WABA').env('WA_ACCESS_TOKEN'))
  .option('--metrics <url>', 'metrics service URL (METRICS_URL, default http://127.0.0.1:8082)')
  .option('--metrics-token <token>', "the metrics service's admin token (METRICS_ADMIN_TOKEN)")
  .option('--json', 'print the differences as JSON')
  .action(async (_o, cmd: Command) => { code = await reconcileUsage(cmd.optsWithGlobals()) })

const topics = program.command('topics').description("the gateway's Kafka topics")
topics.command('ensure').description('create missing topics (never deletes or changes one)')
  .addOption(new Option('--partitions <n>', 'partitions of new topics').env('KAFKA_TOPIC_PARTITIONS').default('12'))
  .addOption(new Option('--replication <n>', 'replication factor of new topics (0 = 3 on a cluster of 3 or more brokers, else 1)').env('KAFKA_REPLICATION_FACTOR').default('0'))
  .action(async (o) => { code = await topicsEnsure(ctx(), o) })
topics.command('list').description('topics with the prefix, their partitions and record counts')
  .action(async () => { code = await topicsList(ctx()) })

program.command('simulate')
  .description('make the Graph API simulator send inbound customer messages to a number (through ingress)')
  .requiredOption('--number <phone_number_id>', 'the business number customers write to')
  .option('--rate <per_second>', 'messages per second', '5')
  .option('--seconds <s>', 'for how long', '10')
  .option('--from <wa_id>', 'customer wa_id (repeatable; default: random customers)', collect)
  .addOption(new Option('--sim <url>', 'simulator URL').env('SIM_URL').default('http://127.0.0.1:8090'))
  .addOption(new Option('--sim-token <token>', "the simulator's admin token (needed when it is not on loopback)").env('SIM_ADMIN_TOKEN'))
  .action(async (o) => { code = await simulate(o) })

registerSilences(program, ctx, (c) => { code = c })
registerSubscriptions(program, ctx, (c) => { code = c })
registerKeys(program, ctx, (c) => { code = c })
registerNumbers(program, ctx, (c) => { code = c })
registerSuppressions(program, ctx, (c) => { code = c })
registerSchedule(program, (c) => { code = c })
registerCampaign(program, (c) => { code = c })
registerTemplates(program, (c) => { code = c })
registerWindow(program, (c) => { code = c })
registerMedia(program, (c) => { code = c })

try {
  await program.parseAsync(process.argv)
  if (served === undefined) process.exitCode = code
} catch (err) {
  if (err instanceof CommanderError) {
    // commander already printed the message (or the help); keep its exit code (0 for --help).
    process.exitCode = err.exitCode
  } else {
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`wabridge: ${message.split('\n')[0]}\n`)
    process.exitCode = err instanceof CliError ? err.exitCode : 1
  }
}

// The part's program runs as if it were the entry point: a failure to start propagates to node as
// it does from its own main.js (its message, exit code 1), not as a one-line CLI error.
if (served !== undefined) await import(served)
