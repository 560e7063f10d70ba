import { kafkajsPatch } from './kafkajs-patch.ts'

interface MetadataAnswer { topicMetadata: Array<{ partitionMetadata: unknown[] }> }
interface MetadataResponse { decode: (raw: Buffer) => Promise<unknown>, parse: (data: MetadataAnswer) => Promise<MetadataAnswer> }
type BuildRequest = (args: { topics?: string[], allowAutoTopicCreation?: boolean }) => { request: unknown, response: MetadataResponse }
interface MetadataDefinitions { protocol: (options: { version: number }) => BuildRequest }

/**
 * kafkajs 2.2.4 throws when any partition in a Metadata answer has an error (tulios/kafkajs#1460,
 * open). Asked for every topic — `admin.describeCluster()`, `admin.listTopics()` and
 * `admin.fetchTopicMetadata()` without topics send an empty list, which means all of them — one
 * partition without a leader anywhere in the cluster (a one-replica topic of another team on a
 * broker that is down) makes the call fail, after kafkajs' own retries, for as long as it stays
 * offline. ensureTopics asks both at every service's start, so no part of the gateway could start
 * beside such a cluster. This leaves partition errors in the answer of a request for every topic
 * (the partition reads leader -1, as the Java client returns it) instead of throwing them; errors of
 * a whole topic still throw. A request for named topics keeps kafkajs' handling: a producer or
 * consumer still waits for the leaders of its own partitions. Only for the kafkajs version it was
 * written against; returns whether it is installed. Idempotent.
 */
export const installDegradedMetadata = kafkajsPatch((load) => {
  const definitions = load('kafkajs/src/protocol/requests/metadata/index.js') as MetadataDefinitions
  const protocol = definitions.protocol
  definitions.protocol = (options) => {
    const build = protocol(options)
    return (args) => {
      const built = build(args)
      if (args.topics !== undefined && args.topics.length > 0) return built
      const { parse } = built.response
      return {
        ...built,
        response: {
          ...built.response,
          // kafkajs' own parse, shown the topics without their partitions: it throws a topic's error only.
          parse: async (data) => {
            await parse({ ...data, topicMetadata: data.topicMetadata.map((topic) => ({ ...topic, partitionMetadata: [] })) })
            return data
          }
        }
      }
    }
  }
})
