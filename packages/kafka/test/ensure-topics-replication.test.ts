import assert from 'node:assert/strict'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Admin, DescribeConfigResponse } from 'kafkajs'
import { createLocalKafka, findFreePorts } from '@wabridge/local-kafka'
import { ensureTopics, isLoopbackHost, planReplication, type ClusterBroker, type ReplicationInput } from '../src/ensure-topics.ts'
import { topicNames } from '../src/topics.ts'
import { connectedAdmin, once, testKafka, uniqueName, waitFor } from './helpers.ts'

/** describeConfigs' source of a value set on the topic itself (Kafka's ConfigSource enum). */
const TOPIC_CONFIG = 1
const local = (n: number): ClusterBroker[] => Array.from({ length: n }, (_, i) => ({ host: '127.0.0.1', port: 9092 + 2 * i }))
const remote = (n: number): ClusterBroker[] => Array.from({ length: n }, (_, i) => ({ host: `kafka-${i + 1}.prod.internal`, port: 9092 }))
const plan = (overrides: Partial<ReplicationInput>) => planReplication({
  brokers: local(1), requested: undefined, creating: ['wa.alerts'], singleReplicaExisting: [], production: false, allowSingleReplica: false, ...overrides
})

test('loopback hosts are localhost, 127.0.0.0/8 and ::1; every other name or address is remote', () => {
  for (const host of ['localhost', 'LOCALHOST', 'kafka.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(host), host)
  for (const host of ['kafka', 'kafka-1.prod.internal', '10.0.0.5', '192.168.1.10', '0.0.0.0', '::', 'fe80::1', '128.0.0.1', 'localhost.example.com']) assert.ok(!isLoopbackHost(host), host)
})

test('automatic replication: 3 replicas and min.insync.replicas 2 on 3 or more brokers, else 1', () => {
  assert.deepEqual(plan({ brokers: local(1) }), { replicationFactor: 1, minInsyncReplicas: undefined, warnings: [], refusal: undefined })
  assert.equal(plan({ brokers: local(2) }).replicationFactor, 1)
  assert.deepEqual(plan({ brokers: remote(3) }), { replicationFactor: 3, minInsyncReplicas: 2, warnings: [], refusal: undefined })
  assert.deepEqual(plan({ brokers: remote(5), requested: 0 }), { replicationFactor: 3, minInsyncReplicas: 2, warnings: [], refusal: undefined })
})

test('an explicit replication factor wins; min.insync.replicas 2 from 3 replicas on', () => {
  assert.deepEqual(plan({ brokers: local(3), requested: 1 }), { replicationFactor: 1, minInsyncReplicas: undefined, warnings: [], refusal: undefined })
  assert.deepEqual(plan({ brokers: remote(5), requested: 2 }), { replicationFactor: 2, minInsyncReplicas: undefined, warnings: [], refusal: undefined })
  assert.deepEqual(plan({ brokers: remote(5), requested: 5 }), { replicationFactor: 5, minInsyncReplicas: 2, warnings: [], refusal: undefined })
  assert.match(plan({ brokers: remote(2), requested: 3 }).refusal ?? '', /KAFKA_REPLICATION_FACTOR is 3 but the cluster has 2 broker\(s\)/)
})

test('one replica on a remote cluster warns outside production and names the brokers and topics', () => {
  for (const input of [{ brokers: remote(1) }, { brokers: remote(3), requested: 1 }, { brokers: [...local(2), ...remote(1)], requested: 1 }]) {
    const p = plan(input)
    assert.equal(p.refusal, undefined)
    assert.equal(p.warnings.length, 1)
    assert.match(p.warnings[0]!, /one replica on a Kafka cluster whose brokers are not on loopback \(kafka-1\.prod\.internal:9092.*\): wa\.alerts/)
  }
  assert.match(plan({ brokers: remote(3), requested: 1 }).warnings[0]!, /Set KAFKA_REPLICATION_FACTOR=3/)
  assert.match(plan({ brokers: remote(1) }).warnings[0]!, /automatic and the cluster has 1 broker\(s\)/)
})

test('one replica on a remote cluster is refused in production unless KAFKA_ALLOW_SINGLE_REPLICA', () => {
  const refused = plan({ brokers: remote(1), production: true })
  assert.match(refused.refusal ?? '', /^refusing to run with topics with one replica .* KAFKA_ALLOW_SINGLE_REPLICA=true/)
  assert.deepEqual(refused.warnings, [])
  const allowed = plan({ brokers: remote(1), production: true, allowSingleReplica: true })
  assert.equal(allowed.refusal, undefined)
  assert.match(allowed.warnings[0]!, /allowed by KAFKA_ALLOW_SINGLE_REPLICA/)
})

test('existing single-replica topics count too; loopback clusters and replicated topics are left alone', () => {
  assert.match(plan({ brokers: remote(3), creating: [], singleReplicaExisting: ['wa.inbound.raw'], production: true }).refusal ?? '', /: wa\.inbound\.raw\./)
  assert.equal(plan({ brokers: remote(3), creating: [], singleReplicaExisting: [], production: true }).refusal, undefined)
  assert.deepEqual(plan({ brokers: local(1), requested: 1, singleReplicaExisting: ['x'], production: true }), { replicationFactor: 1, minInsyncReplicas: undefined, warnings: [], refusal: undefined })
  assert.equal(plan({ brokers: remote(1), creating: [], production: true }).refusal, undefined)
})

/** An admin that answers like a one-broker remote cluster with no topics, and records created topics. */
function remoteAdmin (created: string[]): Admin {
  return {
    describeCluster: async () => ({ brokers: [{ nodeId: 1, host: 'kafka.prod.internal', port: 9092 }], controller: 1, clusterId: 'c' }),
    listTopics: async () => [],
    fetchTopicMetadata: async () => ({ topics: [] }),
    createTopics: async ({ topics }: { topics: Array<{ topic: string }> }) => { created.push(...topics.map((t) => t.topic)); return true },
    fetchTopicOffsets: async () => []
  } as unknown as Admin
}

test('ensureTopics refuses before creating anything in production, and warns through onWarning otherwise', async () => {
  const created: string[] = []
  await assert.rejects(ensureTopics(remoteAdmin(created), { prefix: 'wa', partitions: 3, production: true, allowSingleReplica: false }),
    (err: Error & { code?: string }) => err.code === 'KAFKA_TOPICS_UNSAFE' && /refusing to run/.test(err.message))
  assert.deepEqual(created, [])

  const warnings: string[] = []
  const result = await ensureTopics(remoteAdmin(created), { prefix: 'wa', partitions: 3, production: false, onWarning: (w) => warnings.push(w) })
  assert.equal(created.length, 8)
  assert.equal(result.replicationFactor, 1)
  assert.equal(warnings.length, 1)
  assert.deepEqual(result.warnings, warnings)
})

async function describeTopicConfigs (admin: Admin, topics: string[], configNames: string[]): Promise<DescribeConfigResponse> {
  return await once(`the configs of ${topics.join(', ')}`, async () =>
    await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: 2, name, configNames })) }))
}

test('on a real 3-node cluster topics get 3 replicas and min.insync.replicas 2, keeping their own configs', { timeout: 240_000 }, async (t) => {
  const cluster = createLocalKafka({ stateDir: await mkdtemp(join(tmpdir(), 'wabridge-rf3-')), nodes: 3, basePort: await findFreePorts(6), heapMb: 384 })
  t.after(async () => { await cluster.stop(); await cluster.destroy() })
  await cluster.start()
  // start() returns once every node's own metadata lists all three (CI once saw ensureTopics, bootstrapping
  // from a node that did not yet know its peers, plan one replica); asked through each node alone, all three
  // show. On a loaded machine a node can drop out of the metadata for a moment after that (its heartbeat to
  // the controller late, so it is fenced until the next one): each node's view is asked again until it
  // lists all three, within a minute.
  for (const broker of cluster.brokers) {
    const nodeAdmin = await connectedAdmin(t, testKafka([broker]))
    let seen: number[] = []
    await waitFor(async () => {
      seen = (await nodeAdmin.describeCluster()).brokers.map((b) => b.nodeId).sort()
      return seen.length === 3
    }, 60_000, () => `the cluster as ${broker} sees it to list nodes 1, 2 and 3, have ${seen.join(',')}`)
    assert.deepEqual(seen, [1, 2, 3], `the cluster as ${broker} sees it`)
  }
  const admin = await connectedAdmin(t, testKafka(cluster.brokers))
  const prefix = uniqueName('rf')
  const changelog = `${prefix}.metrics.changelog`
  const warnings: string[] = []
  const result = await ensureTopics(admin, {
    prefix,
    partitions: 3,
    only: ['inboundRaw', 'outboundRequests'],
    extra: [{ topic: changelog, configs: { 'cleanup.policy': 'compact' } }],
    onWarning: (w) => warnings.push(w)
  })
  const names = [topicNames(prefix).inboundRaw, topicNames(prefix).outboundRequests, changelog]
  assert.deepEqual(result.created.sort(), [...names].sort())
  assert.equal(result.replicationFactor, 3)
  assert.equal(warnings.length, 0, warnings.join('; '))

  const meta = await once('the topics\' metadata', async () => await admin.fetchTopicMetadata({ topics: names }))
  for (const topic of meta.topics) {
    assert.equal(topic.partitions.length, 3, topic.name)
    for (const p of topic.partitions) assert.equal(p.replicas.length, 3, `${topic.name}/${p.partitionId} replicas ${p.replicas.join(',')}`)
  }
  const described = await describeTopicConfigs(admin, names, ['min.insync.replicas', 'cleanup.policy', 'retention.ms', 'max.message.bytes'])
  const configs = Object.fromEntries(described.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e]))]))
  for (const name of names) {
    // Set on the topic itself (not inherited from the broker's own min.insync.replicas).
    assert.equal(configs[name]!['min.insync.replicas']!.configValue, '2', name)
    assert.equal((configs[name]!['min.insync.replicas'] as { configSource?: number }).configSource, TOPIC_CONFIG, name)
  }
  assert.equal(configs[changelog]!['cleanup.policy']!.configValue, 'compact')
  assert.equal(configs[topicNames(prefix).inboundRaw]!['max.message.bytes']!.configValue, String(8 * 1024 * 1024))
  assert.equal(configs[topicNames(prefix).inboundRaw]!['retention.ms']!.configValue, String(30 * 24 * 3600 * 1000))

  // An explicit factor wins: one replica, and no min.insync.replicas of its own (loopback: no warning).
  const single = await ensureTopics(admin, { prefix: `${prefix}-one`, partitions: 1, replicationFactor: 1, only: ['alerts'], onWarning: (w) => warnings.push(w) })
  const [alerts] = (await once('the alerts topic\'s metadata', async () => await admin.fetchTopicMetadata({ topics: single.created }))).topics
  assert.equal(alerts!.partitions[0]!.replicas.length, 1)
  const [alertsConfig] = (await describeTopicConfigs(admin, [alerts!.name], ['min.insync.replicas'])).resources
  assert.notEqual((alertsConfig!.configEntries[0] as { configSource?: number }).configSource, TOPIC_CONFIG, 'the broker\'s own value, not one set on the topic')
  assert.equal(warnings.length, 0, warnings.join('; '))
})
