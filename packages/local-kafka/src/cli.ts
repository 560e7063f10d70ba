import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { Kafka, logLevel } from 'kafkajs'
import { deployDir } from './runtime.ts'
import { createLocalKafka, openLocalKafka } from './local-kafka.ts'
import { describeOpenTransactions, formatOpenTransactions } from './open-transactions.ts'

const usage = `usage: local-kafka <start|stop|status|reset> [--nodes N] [--port P] [--state-dir DIR]
       local-kafka transactions <topic> [--partitions 0,3] [--port P] [--state-dir DIR]

  start    start the local broker (or an N-node cluster) and wait until it answers; harmless when running
  stop     stop every node and any JVM started from the state dir
  status   print each node's address and whether it runs
  reset    stop every node, then delete the state dir (every topic, group and log): the next start is a fresh broker
  transactions <topic>
           which producers hold open transactions on the topic's partitions (each partition's last stable
           offset stays below their first record until they end), and what the transaction coordinator
           says of them; exit code 4 when any is open

  --nodes N        KRaft nodes, each broker + controller (default 1)
  --port P         broker port of node 1; node i uses P+2(i-1), its controller one above (default 9092)
  --state-dir DIR  data, logs and pid files (default .wabridge/kafka in the repository)
  --partitions L   transactions: only these partitions (comma-separated; default every partition)`

async function transactions (brokers: readonly string[], topic: string | undefined, only: string | undefined): Promise<number> {
  if (!topic) { console.error(`[kafka] transactions needs a topic\n${usage}`); return 2 }
  if (only !== undefined && !/^\d+(,\d+)*$/.test(only)) { console.error('[kafka] --partitions must be partition numbers, comma-separated, like 0,3'); return 2 }
  let partitions = only?.split(',').map(Number)
  if (!partitions) {
    const admin = new Kafka({ clientId: 'local-kafka-cli', brokers: [...brokers], logLevel: logLevel.NOTHING }).admin()
    await admin.connect()
    try {
      partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition).sort((a, b) => a - b)
    } finally {
      await admin.disconnect()
    }
  }
  const described = await describeOpenTransactions(brokers, partitions.map((partition) => ({ topic, partition })))
  console.log(formatOpenTransactions(described))
  return described.some((p) => p.producers.some((x) => x.openTransactionStartOffset !== null)) ? 4 : 0
}

async function main (): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      nodes: { type: 'string' },
      port: { type: 'string' },
      'state-dir': { type: 'string' },
      partitions: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  })
  const command = positionals[0]
  if (values.help || !command) {
    console.log(usage)
    return values.help ? 0 : 2
  }
  const nodes = values.nodes === undefined ? undefined : Number(values.nodes)
  const basePort = values.port === undefined ? undefined : Number(values.port)
  if (nodes !== undefined && !(Number.isInteger(nodes) && nodes >= 1 && nodes <= 9)) throw new Error('--nodes must be a whole number from 1 to 9')
  if (basePort !== undefined && !(Number.isInteger(basePort) && basePort > 0 && basePort < 65500)) throw new Error('--port must be a port number')
  const stateDir = values['state-dir'] ?? resolve(deployDir, '../../.wabridge/kafka')
  const log = (line: string) => console.log(`[kafka] ${line}`)
  const explicit = nodes !== undefined || basePort !== undefined
  const options = { stateDir, log, ...(nodes !== undefined && { nodes }), ...(basePort !== undefined && { basePort }) }
  const kafka = explicit ? createLocalKafka(options) : await openLocalKafka(options)

  switch (command) {
    case 'start':
      await kafka.start()
      console.log(`[kafka] KAFKA_BROKERS=${kafka.brokers.join(',')}  (state and logs in ${stateDir})`)
      return 0
    case 'stop':
      await kafka.stop()
      console.log('[kafka] stopped')
      return 0
    case 'status': {
      const nodesStatus = await kafka.status()
      for (const n of nodesStatus) console.log(`[kafka] node ${n.nodeId} ${n.address} ${n.running ? `running (pid ${n.pid})` : 'stopped'}`)
      return nodesStatus.every((n) => n.running) ? 0 : 3
    }
    case 'reset':
      await kafka.stop()
      await kafka.destroy()
      console.log(`[kafka] stopped; ${stateDir} deleted`)
      return 0
    case 'transactions':
      return await transactions(kafka.brokers, positionals[1], values.partitions)
    default:
      console.error(`unknown command '${command}'\n${usage}`)
      return 2
  }
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  console.error(`[kafka] ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
