import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '@wabridge/telemetry'
import type { Notification } from '../src/index.ts'
import { createReceiverQueue } from '../src/receiver-queue.ts'
import { createTokenBucket } from '../src/token-bucket.ts'
import { alert, waitFor } from './helpers.ts'

const notification = (group: string, firing = 1): Notification => ({
  id: `r|${group}`,
  receiver: 'r',
  groupKey: group,
  groupLabels: {},
  firing: Array.from({ length: firing }, () => alert()),
  resolved: [],
  notified: [],
  createdAt: 0
})

test('a receiver queue merges a group\'s waiting notifications, drops and counts the oldest when full, and sends the rest as tokens come', async (t) => {
  let now = 0
  const sent: Notification[] = []
  const dropped: string[] = []
  const queue = createReceiverQueue({ receiver: 'r', maxQueued: 2, retries: 0, retryMinMs: 1, retryMaxMs: 1 }, {
    sender: { send: async (n) => { sent.push(n) }, close: async () => {} },
    bucket: createTokenBucket({ perMinute: 1, burst: 1 }, () => now),
    logger: createLogger({ level: 'silent', name: 'test' }),
    onDelivered: async () => {},
    onFailed: () => {},
    onDropped: (n) => { dropped.push(n.groupKey) }
  })
  t.after(() => queue.stop())
  queue.start()
  queue.offer(notification('a'))
  await waitFor('the first token spent', () => sent.length >= 1)

  queue.offer(notification('b'))
  // Microtasks run before setImmediate: the worker has taken b and waits for a token.
  await new Promise((resolve) => setImmediate(resolve))
  queue.offer(notification('c'))
  queue.offer(notification('c', 3))
  assert.equal(queue.size, 2, 'c was merged, not queued twice')
  queue.offer(notification('d'))
  assert.deepEqual(dropped, [], 'b waits for its token and is not counted: c and d fill the queue')
  queue.offer(notification('e'))
  assert.deepEqual(dropped, ['c'], 'the oldest waiting notification that is not being delivered')
  assert.equal(queue.has('r|b'), true)
  queue.offer(notification('d', 3))
  assert.equal(queue.size, 3, 'b (taken), d (merged), e')

  now += 60_000
  await waitFor('b', () => sent.length >= 2)
  now += 60_000
  await waitFor('d', () => sent.length >= 3)
  now += 60_000
  await waitFor('e', () => sent.length >= 4)
  assert.deepEqual(sent.map((n) => n.groupKey), ['a', 'b', 'd', 'e'])
  assert.equal(sent[2]!.firing.length, 3, 'the newest state of d was sent')
  assert.equal(queue.isIdle, true)
})

test('a delivery that keeps failing is given up after its retries and reported once', async (t) => {
  let attempts = 0
  const failed: Error[] = []
  const queue = createReceiverQueue({ receiver: 'r', maxQueued: 10, retries: 2, retryMinMs: 1, retryMaxMs: 5 }, {
    sender: { send: async () => { attempts++; throw new Error('connection reset') }, close: async () => {} },
    bucket: createTokenBucket({ perMinute: 60, burst: 10 }, Date.now),
    logger: createLogger({ level: 'silent', name: 'test' }),
    onDelivered: async () => { throw new Error('not delivered') },
    onFailed: (_n, err) => { failed.push(err) },
    onDropped: () => {}
  })
  t.after(() => queue.stop())
  queue.start()
  queue.offer(notification('a'))
  await waitFor('the failure', () => failed.length >= 1)
  assert.equal(attempts, 3)
  assert.match(failed[0]!.message, /connection reset/)
})
