import type { TestContext } from 'node:test'
import type { Admin, Kafka, Producer } from 'kafkajs'
import { createProducer } from '../src/producer.ts'
import type { WabridgeProducer } from '../src/producer.ts'
import { createKafkaClient } from '../src/client.ts'
import { brokersFromEnv, connectedAdmin, createTopic, uniqueName, waitFor } from '../src/testing.ts'

export { brokersFromEnv, connectedAdmin, countRequestQueueChecks, createTopic, readAll, testKafka, uniqueName, waitFor } from '../src/testing.ts'

/**
 * An admin question asked again while it fails: any broker of a new cluster may answer, and one that
 * has not loaded a new topic's metadata yet says UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function once<T> (what: string, ask: () => Promise<T>): Promise<T> {
  let answer: { value: T } | undefined
  await waitFor(async () => {
    answer = await ask().then((value) => ({ value }), () => undefined)
    return answer !== undefined
  }, 30_000, what)
  return answer!.value
}

/** A new topic named after `prefix` and a started producer (stopped after the test). */
export async function producerOnNewTopic (t: TestContext, kafka: Kafka, prefix: string, partitions: number): Promise<{ topic: string, producer: WabridgeProducer }> {
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName(prefix)
  await createTopic(admin, topic, partitions)
  const producer = createProducer(kafka)
  await producer.start()
  t.after(() => producer.stop())
  return { topic, producer }
}

/**
 * A wabridge Kafka client (its kafkajs corrections installed), a new one-partition topic and a
 * connected transactional producer that has committed one transaction already: on a fresh broker
 * the transaction coordinator may still be loading its topic during the first one, and kafkajs then
 * rightly asks again. Tests count the requests of the transactions after it.
 */
export async function warmTransactionalProducer (t: TestContext, clientId: string): Promise<{ admin: Admin, topic: string, producer: Producer }> {
  const kafka = createKafkaClient({ brokers: brokersFromEnv(), clientId })
  const admin = await connectedAdmin(t, kafka)
  const topic = uniqueName(clientId)
  await createTopic(admin, topic, 1)
  const producer = kafka.producer({ transactionalId: uniqueName('txn'), idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  t.after(() => producer.disconnect())
  const warm = await producer.transaction()
  await warm.send({ topic, messages: [{ value: 'warm-up' }] })
  await warm.commit()
  return { admin, topic, producer }
}
