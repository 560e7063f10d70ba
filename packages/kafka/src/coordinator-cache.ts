import { kafkajsPatch } from './kafkajs-patch.ts'

/** kafkajs' coordinator type of a transaction coordinator (protocol/coordinatorTypes.js). */
const TRANSACTION = 1

/** How long a transaction coordinator's location is reused, ms. A coordinator that moved within it fails requests that kafkajs retries. */
export const COORDINATOR_TTL_MS = 10_000

interface CoordinatorMetadata { coordinator: { nodeId: number } }
interface ClusterPrototype {
  findGroupCoordinatorMetadata(this: object, args: { groupId: string, coordinatorType?: number }): Promise<CoordinatorMetadata>
}

/**
 * kafkajs 2.2.4 asks the cluster for the transaction coordinator (a FindCoordinator round trip)
 * before each AddPartitionsToTxn, AddOffsetsToTxn and EndTxn: two extra round trips in every
 * transaction, 40 % of the requests of egress's partition sessions (measured). This caches the
 * answer per transactional id for COORDINATOR_TTL_MS — the Java client keeps it until a request
 * fails with NOT_COORDINATOR; kafkajs' retries cover a coordinator that moves within the TTL.
 * Group coordinators (consumer groups) are untouched. Only for the kafkajs version it was written
 * against; returns whether it is installed. Idempotent.
 */
export const installCoordinatorCache = kafkajsPatch((load) => {
  const Cluster = load('kafkajs/src/cluster/index.js') as { prototype: ClusterPrototype }
  const original = Cluster.prototype.findGroupCoordinatorMetadata
  const caches = new WeakMap<object, Map<string, { metadata: CoordinatorMetadata, until: number }>>()
  Cluster.prototype.findGroupCoordinatorMetadata = async function (args) {
    if (args.coordinatorType !== TRANSACTION) return original.call(this, args)
    let cache = caches.get(this)
    if (!cache) caches.set(this, cache = new Map())
    const hit = cache.get(args.groupId)
    const now = Date.now()
    if (hit && hit.until > now) return hit.metadata
    const metadata = await original.call(this, args)
    cache.set(args.groupId, { metadata, until: now + COORDINATOR_TTL_MS })
    return metadata
  }
})
