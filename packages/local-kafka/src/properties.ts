/** Ports and folders of one KRaft node (combined broker + controller). */
export interface NodeLayout {
  nodeId: number
  host: string
  brokerPort: number
  controllerPort: number
  dataDir: string
}

/**
 * server.properties for one node of a local cluster. Every node is broker and controller; the
 * controller quorum is static (controller.quorum.voters), so storage is formatted without
 * --standalone. Internal topics get few partitions because their defaults (50) make the first
 * group join slow on a 2-core machine.
 */
export function toServerProperties (node: NodeLayout, all: NodeLayout[]): string {
  const replication = Math.min(3, all.length)
  const voters = all.map((n) => `${n.nodeId}@${n.host}:${n.controllerPort}`).join(',')
  const props: Record<string, string | number> = {
    'process.roles': 'broker,controller',
    'node.id': node.nodeId,
    'controller.quorum.voters': voters,
    listeners: `PLAINTEXT://${node.host}:${node.brokerPort},CONTROLLER://${node.host}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${node.host}:${node.brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': node.dataDir,
    'num.partitions': 1,
    'default.replication.factor': replication,
    'min.insync.replicas': replication > 1 ? 2 : 1,
    'num.network.threads': 2,
    'num.io.threads': 4,
    'offsets.topic.replication.factor': replication,
    'offsets.topic.num.partitions': 4,
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': replication > 1 ? 2 : 1,
    'transaction.state.log.num.partitions': 4,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': 'false',
    'unclean.leader.election.enable': 'false',
    // The raw-webhook topic holds bodies up to Meta's 3 MB limit.
    'message.max.bytes': 10485760,
    'replica.fetch.max.bytes': 10485760,
    'log.segment.bytes': 16777216,
    'log.retention.check.interval.ms': 60000
  }
  return Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n'
}
