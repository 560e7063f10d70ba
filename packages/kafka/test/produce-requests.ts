import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import type { TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import type { KafkaLogger } from '../src/index.ts'
import { producerOnNewTopic, readAll } from './helpers.ts'
import type { ProduceRequestArgs } from '../src/produce-encoder.ts'

const require = createRequire(import.meta.url)

interface MadeRequest { request: { encode: () => Promise<{ buffer: Buffer }>, apiVersion: number } }
export interface ProduceDefinition { versions: string[], protocol: (o: { version: number }) => (args: ProduceRequestArgs) => MadeRequest }

/** kafkajs' own Produce request table (the one the encoder patches). */
export const produceDefinition = () => require('kafkajs/src/protocol/requests/produce/index.js') as ProduceDefinition

const kafkajsV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceRequestArgs) => MadeRequest['request']
export const SAMPLE: ProduceRequestArgs = { acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v' }] }] }] }

/** True when `encode` is kafkajs' own Produce v3–v7 encode (its source text; v4–v7 reuse v3's). */
export const isKafkajsEncode = (encode: unknown) => String(encode) === String(kafkajsV3(SAMPLE).encode)

/**
 * Records, for every Produce request kafkajs builds from now on, its version and whether it is
 * encoded by kafkajs' own code: a pass-through around kafkajs' table (it looks the request up on
 * every produce), removed after the test.
 */
export function recordProduceRequests (t: TestContext): Array<{ version: number, kafkajsEncode: boolean }> {
  const definition = produceDefinition()
  const before = definition.protocol
  const seen: Array<{ version: number, kafkajsEncode: boolean }> = []
  definition.protocol = (opts) => {
    const factory = before(opts)
    return (args) => {
      const made = factory(args)
      seen.push({ version: opts.version, kafkajsEncode: isKafkajsEncode(made.request.encode) })
      return made
    }
  }
  t.after(() => { definition.protocol = before })
  return seen
}

export interface LogLine { level: string, obj: object, msg: string }

/** A KafkaLogger that keeps its lines. */
export function captureLogger (): KafkaLogger & { lines: LogLine[] } {
  const lines: LogLine[] = []
  const at = (level: string) => (obj: object, msg: string) => { lines.push({ level, obj, msg }) }
  return { lines, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}

/** Records of every shape the gateway writes: unicode, binary, a null value, headers, a value over 64 KiB. */
export function sampleRecords (topic: string): Array<{ topic: string, key: string, value: Buffer | string | null, headers: Record<string, string> }> {
  return [
    { topic, key: '106540352242922:15551234567', value: '{"ünïcode":"✓"}', headers: { 'event-id': 'wamid.1', 'content-type': 'application/json' } },
    { topic, key: 'bin', value: Buffer.from([0, 1, 2, 255, 254]), headers: { 'event-id': 'wamid.2' } },
    { topic, key: 'tombstone', value: null, headers: {} },
    { topic, key: 'big', value: 'x'.repeat(70_000), headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }
  ]
}

/**
 * Produces sampleRecords to a new topic through `kafka`, checks each reads back identical (value and
 * headers), and returns the Produce requests kafkajs built for them (recordProduceRequests).
 */
export async function roundTripSamples (t: TestContext, kafka: Kafka, prefix: string): Promise<Array<{ version: number, kafkajsEncode: boolean }>> {
  const { topic, producer } = await producerOnNewTopic(t, kafka, prefix, 2)
  const requests = recordProduceRequests(t)
  const sent = sampleRecords(topic)
  await producer.send(sent)
  assert.ok(requests.length > 0, 'produce requests were made')
  const read = await readAll(kafka, topic, sent.length)
  for (const record of sent) {
    const got = read.find((r) => r.key === record.key)
    assert.ok(got, `record ${record.key} read back`)
    assert.deepEqual(got.value, record.value === null ? null : Buffer.from(record.value))
    assert.deepEqual(got.headers, record.headers)
  }
  return requests
}

/** The client's one "produce encoder" log line, checked to be at info. */
export function encoderLogLine (logger: { lines: LogLine[] }): LogLine {
  const lines = logger.lines.filter((l) => /produce encoder/.test(l.msg))
  assert.equal(lines.length, 1)
  assert.equal(lines[0]!.level, 'info')
  return lines[0]!
}
