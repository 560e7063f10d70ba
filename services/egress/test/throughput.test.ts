import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { test } from 'node:test'
import { topicNames } from '@wabridge/kafka'
import { collect, prepareTopics, produceRequests, requestProducer, startEgress, startSim, testEnv, testKafka, textRequest, waitFor } from './helpers.ts'

const span = (times: number[]) => Math.max(...times) - Math.min(...times)

test('three numbers at 80 msg/s and one at 1,000 msg/s: no one-second window over a limit, and no slower than the limits require', { timeout: 90_000 }, async (t) => {
  const prefix = `tp-${randomUUID().slice(0, 8)}`
  const numbers = ['2001', '2002', '2003']
  const fast = '2999'
  const sim = await startSim(t, { defaultMps: 80, phoneNumbers: { [fast]: { mps: 1000 } } })
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 2)
  const producer = await requestProducer(t, kafka)
  const requests = [...numbers, fast].flatMap((n) => Array.from({ length: 1000 }, (_, i) => textRequest(n, `+1666${String(i % 200).padStart(7, '0')}`, `${n}-${i}`)))
  // The backlog is queued before egress starts, as after an outage.
  await produceRequests(producer, prefix, requests)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '2', EGRESS_MPS_OVERRIDES: `${fast}=1000` }))

  await waitFor(() => results.length >= 4000, 60_000, () => `4000 results, have ${results.length}`)
  assert.equal(results.filter((r) => r.status === 'accepted').length, 4000)
  assert.deepEqual(sim.duplicates(), [])
  assert.equal(sim.refused().length, 0, `the sim refused: ${JSON.stringify(sim.refused().slice(0, 3))}`)
  for (const n of numbers) {
    assert.ok(sim.maxInWindow(n, 1000) <= 80, `${n}: ${sim.maxInWindow(n, 1000)} in one second`)
    // 1000 messages at 80/s, spread one per 12.5 ms → the last leaves after 12.5 s. Each send
    // counts from Meta's answer, so latency adds to every window: the stated tolerance is 10 % on
    // this shared 2-core machine (the measured use of the limit is in docs/benchmarks.md).
    const elapsed = span(sim.accepted({ phoneNumberId: n }).map((m) => m.acceptedAt))
    assert.ok(elapsed <= 12_487 * 1.10, `${n} took ${elapsed} ms for 1000 messages at 80/s (tolerance 10 %)`)
  }
  assert.ok(sim.maxInWindow(fast, 1000) <= 1000)
  const fastElapsed = span(sim.accepted({ phoneNumberId: fast }).map((m) => m.acceptedAt))
  assert.ok(fastElapsed <= 3000, `the 1,000 msg/s number took ${fastElapsed} ms for 1000 messages`)
})

test('a throttled number does not delay another number in the same partition', { timeout: 60_000 }, async (t) => {
  const prefix = `tp-${randomUUID().slice(0, 8)}`
  const throttled = '3001'
  const healthy = '3002'
  // Every request of the throttled number is refused with 130429 for the first 3 s.
  const sim = await startSim(t, { faults: [{ match: { phoneNumberId: throttled }, action: { type: 'error', code: 130429 } }] })
  setTimeout(() => sim.clearFaults(), 3000).unref()
  const kafka = testKafka()
  await prepareTopics(kafka, prefix, 1)
  const producer = await requestProducer(t, kafka)
  const results = await collect(t, kafka, topicNames(prefix).outboundResults, 'OutboundResult')
  await startEgress(t, testEnv(prefix, sim.url, { KAFKA_TOPIC_PARTITIONS: '1' }))
  const started = Date.now()
  const interleaved = Array.from({ length: 160 }, (_, i) => textRequest(i % 2 ? throttled : healthy, `+1777${String(i).padStart(7, '0')}`, `r-${i}`))
  await produceRequests(producer, prefix, interleaved)

  await waitFor(() => results.filter((r) => r.phone_number_id === healthy).length >= 80, 20_000, () => 'the healthy number\'s results')
  const healthyDone = Date.now() - started
  assert.ok(healthyDone < 3000, `the healthy number needed ${healthyDone} ms while its neighbour was throttled`)
  await waitFor(() => results.length >= 160, 40_000, () => `all 160 results, have ${results.length}`)
  assert.ok(results.every((r) => r.status === 'accepted'))
  assert.ok(results.filter((r) => r.phone_number_id === throttled).some((r) => r.attempts > 1), 'the throttled number was retried')
  assert.deepEqual(sim.duplicates(), [])
})
