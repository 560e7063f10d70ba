/**
 * The cost of one Kafka transaction in this process, as egress's partition sessions run them: a
 * transactional producer (through createKafkaClient, so with @wabridge/kafka's fixes installed)
 * committing transactions back to back, each with `--records` records of 300 bytes to one
 * partition. Prints, per round, the wall time and the CPU time (user + system, the whole process)
 * per transaction and the requests each transaction took by API.
 *
 *   KAFKA_BROKERS=127.0.0.1:9092 node --conditions=source test/bench/kafka-client/transactions.ts [--transactions 1000] [--records 1] [--rounds 2]
 */
import { parseArgs } from 'node:util'
import { createKafkaClient } from '@wabridge/kafka'

const { values } = parseArgs({
  options: {
    transactions: { type: 'string', default: '1000' },
    records: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '2' }
  }
})
const transactions = Number(values.transactions)
const records = Number(values.records)
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',')
const kafka = createKafkaClient({ brokers, clientId: 'bench-transactions' })
const admin = kafka.admin()
await admin.connect()
const topic = `bench-txn-${Date.now()}`
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
const producer = kafka.producer({ transactionalId: topic, idempotent: true, maxInFlightRequests: 1, retry: { retries: 12, initialRetryTime: 10, maxRetryTime: 2000 } })
await producer.connect()
const value = Buffer.alloc(300, 'x')
const requests: Record<string, number> = {}
producer.on(producer.events.REQUEST, (e) => { requests[e.payload.apiName] = (requests[e.payload.apiName] ?? 0) + 1 })

console.log(`# ${transactions} transactions of ${records} record(s) each, back to back, broker ${brokers.join(',')}`)
for (let round = 1; round <= Number(values.rounds); round++) {
  for (const k of Object.keys(requests)) delete requests[k]
  const cpuBefore = process.cpuUsage()
  const startedAt = performance.now()
  for (let i = 0; i < transactions; i++) {
    const txn = await producer.transaction()
    await txn.sendBatch({ topicMessages: [{ topic, messages: Array.from({ length: records }, () => ({ key: 'k', value, partition: 0 })) }], acks: -1 })
    await txn.commit()
  }
  const cpu = process.cpuUsage(cpuBefore)
  const ms = performance.now() - startedAt
  const perTransaction = Object.fromEntries(Object.entries(requests).map(([api, n]) => [api, +(n / transactions).toFixed(2)]))
  console.log(`round ${round}: ${(ms / transactions).toFixed(2)} ms and ${Math.round((cpu.user + cpu.system) / transactions)} CPU-µs per transaction; requests per transaction ${JSON.stringify(perTransaction)}`)
}
await producer.disconnect()
await admin.deleteTopics({ topics: [topic] })
await admin.disconnect()
