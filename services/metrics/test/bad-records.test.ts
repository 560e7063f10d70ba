import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { createProducer, topicNames } from '@wabridge/kafka'
import { createLogger } from '@wabridge/telemetry'
import { createMetricsApp } from '../src/app.ts'
import { DAILY_QUERY, expectedDaily, scenario, T0 } from './fixtures/scenario.ts'
import { pollUntilEqual, produce, testConfig, testEnv, testKafka } from './helpers.ts'

test('records that cannot be decoded are skipped and logged once per kind with topic, partition and offset; the rest is counted exactly', async (t) => {
  const env = testEnv({ KAFKA_TOPIC_PARTITIONS: '1' })
  const config = testConfig({ ...env, LOG_LEVEL: 'info' })
  const lines: Array<Record<string, unknown>> = []
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => { for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>) })
  const app = createMetricsApp(config, { logger: createLogger({ level: 'info', name: 'metrics-test', destination }), clock: () => T0 + 60 * 60_000 })
  t.after(() => app.stop())
  await app.start()

  const kafka = testKafka()
  const names = topicNames(env.TOPIC_PREFIX!)
  const producer = createProducer(kafka)
  await producer.start()
  // Three records no codec reads, between good ones: a JSON body, garbage bytes, an empty value.
  await produce(kafka, env.TOPIC_PREFIX!, scenario(1).slice(0, 5))
  await producer.send([
    { topic: names.inboundStatuses, key: 'k', value: Buffer.from('{"status":"sent"}') },
    { topic: names.inboundStatuses, key: 'k', value: Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    { topic: names.inboundMessages, key: 'k', value: Buffer.alloc(0) }
  ])
  await producer.stop()
  await produce(kafka, env.TOPIC_PREFIX!, scenario(1).slice(5))

  const expected = expectedDaily(1)
  assert.deepStrictEqual(await pollUntilEqual(`${app.url}/v1/usage?${DAILY_QUERY}`, expected, 30_000), expected)
  const bad = lines.filter((l) => l.reason === 'undecodable')
  assert.deepStrictEqual(bad.map((l) => [l.topic, l.partition]).sort(), [[names.inboundMessages, 0], [names.inboundStatuses, 0]], 'one line per topic and kind')
  for (const line of bad) assert.match(String(line.offset), /^\d+$/)
  assert.match(String(bad[0]!.msg), /could not be decoded; skipped/)
})
