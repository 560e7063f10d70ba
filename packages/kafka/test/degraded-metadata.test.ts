import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { installDegradedMetadata } from '../src/degraded-metadata.ts'

const require = createRequire(import.meta.url)

interface Definitions { protocol: (o: { version: number }) => (args: { topics: string[] }) => { response: { parse: (data: unknown) => Promise<unknown> } } }

/** A decoded Metadata answer: topic `a` has an offline partition (LEADER_NOT_AVAILABLE, its one replica on node 3), `b` is well. */
const answer = {
  throttleTime: 0,
  brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }, { nodeId: 2, host: '127.0.0.1', port: 9094, rack: null }],
  clusterId: 'c',
  controllerId: 1,
  topicMetadata: [
    { topicErrorCode: 0, topic: 'a', isInternal: false, partitionMetadata: [{ partitionErrorCode: 5, partitionId: 0, leader: -1, replicas: [3], isr: [], offlineReplicas: [3] }] },
    { topicErrorCode: 0, topic: 'b', isInternal: false, partitionMetadata: [{ partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1, 2], isr: [1, 2], offlineReplicas: [] }] }
  ]
}

test('an answer for every topic keeps another topic\'s offline partition instead of throwing; named topics and topic errors still throw', async () => {
  // kafkajs' own definitions, as its brokers look them up for each request.
  const metadata = require('kafkajs/src/protocol/requests/metadata/index.js') as Definitions
  const parse = async (version: number, topics: string[], data: unknown) => await metadata.protocol({ version })({ topics }).response.parse(data)

  // kafkajs 2.2.4 as it comes: describeCluster's and listTopics' request (every topic) fails on `a`.
  await assert.rejects(parse(6, [], answer), { type: 'LEADER_NOT_AVAILABLE' })

  assert.equal(installDegradedMetadata(), true)
  assert.equal(installDegradedMetadata(), true, 'idempotent')
  for (const version of [0, 1, 4, 5, 6]) assert.deepEqual(await parse(version, [], answer), answer, `Metadata v${version}`)
  // Asked for by name (a producer's or consumer's own topics): kafkajs' handling, which waits for the leader.
  await assert.rejects(parse(6, ['a', 'b'], answer), { type: 'LEADER_NOT_AVAILABLE' })
  // An error of a whole topic still throws.
  const denied = { ...answer, topicMetadata: [{ ...answer.topicMetadata[1]!, topicErrorCode: 29 }] }
  await assert.rejects(parse(6, [], denied), { type: 'TOPIC_AUTHORIZATION_FAILED' })
})
