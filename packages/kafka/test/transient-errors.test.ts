import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { isTransientKafkaError } from '../src/index.ts'

const require = createRequire(import.meta.url)
// kafkajs' own error classes and protocol error table, as its client throws them.
const errors = require('kafkajs') as Record<string, new (...args: any[]) => Error>
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode: (code: number) => object }
const protocol = (code: number) => new errors.KafkaJSProtocolError!(createErrorFromCode(code))
const exhausted = (cause: Error) => new errors.KafkaJSNumberOfRetriesExceeded!(cause, { retryCount: 5, retryTime: 1000 })

test('timeouts, lost connections, elections and missing metadata are transient, also wrapped by kafkajs\' retrier', () => {
  const transient = [
    new errors.KafkaJSRequestTimeoutError!('Request Metadata(key: 3, version: 6) timed out', {}),
    new errors.KafkaJSConnectionError!('Connection timeout'),
    exhausted(new errors.KafkaJSConnectionError!('Connection refused')),
    protocol(5), // LEADER_NOT_AVAILABLE
    protocol(41), // NOT_CONTROLLER
    exhausted(protocol(6)), // NOT_LEADER_FOR_PARTITION
    new errors.KafkaJSNonRetriableError!(protocol(7), { cause: protocol(7) }), // REQUEST_TIMED_OUT
    new errors.KafkaJSAggregateError!('Topic creation errors', [protocol(5), protocol(5)])
  ]
  for (const err of transient) assert.equal(isTransientKafkaError(err), true, String(err))
})

test('kafkajs\' own TypeError on missing metadata is transient; a TypeError of the caller is not', async () => {
  // What kafkajs' admin.listTopics throws when its cluster has no metadata (src/admin/index.js).
  const fromKafkajs = new TypeError('Cannot destructure property \'topicMetadata\' of \'(intermediate value)\' as it is null.')
  fromKafkajs.stack = `TypeError: ${fromKafkajs.message}\n    at Object.listTopics (/app/node_modules/kafkajs/src/admin/index.js:103:13)`
  assert.equal(isTransientKafkaError(fromKafkajs), true)
  assert.equal(isTransientKafkaError(new TypeError('x is not a function')), false)
})

test('authorization, invalid configs, refusals and unknown errors are not transient, even inside a retriable wrapper', () => {
  const permanent = [
    protocol(29), // TOPIC_AUTHORIZATION_FAILED
    protocol(31), // CLUSTER_AUTHORIZATION_FAILED
    protocol(40), // INVALID_CONFIG
    protocol(38), // INVALID_REPLICATION_FACTOR
    new errors.KafkaJSAggregateError!('Topic creation errors', [protocol(5), protocol(40)]),
    exhausted(protocol(29)),
    new errors.KafkaJSSASLAuthenticationError!('SASL PLAIN authentication failed'),
    Object.assign(new Error('refusing to run'), { code: 'KAFKA_TOPICS_UNSAFE', retriable: true }),
    new Error('something else'),
    'not an error'
  ]
  for (const err of permanent) assert.equal(isTransientKafkaError(err), false, String(err))
})
