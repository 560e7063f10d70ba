import type { Admin, Kafka } from 'kafkajs'
import { createTopicView, type TopicView } from '@wabridge/kafka'
import type { Campaign, Codec } from '@wabridge/schemas'
import type { Logger } from '@wabridge/telemetry'

/** Every campaign's latest state, read whole from the compacted campaigns topic by every instance. */
export interface CampaignView {
  get(id: string): Campaign | undefined
  list(): Campaign[]
  start(): Promise<void>
  /** Resolves once every record written before the call has been read. */
  catchUp(): Promise<void>
  stop(): Promise<void>
  /** Called after each record is applied (HTTP waiters). */
  onChange(listener: (c: Campaign) => void): () => void
}

export function createCampaignView (o: { topic: string, groupIdPrefix: string, onCrash?: (err: Error) => void }, deps: { kafka: Kafka, admin: Admin, codec: Codec, logger: Logger }): CampaignView {
  const campaigns = new Map<string, Campaign>()
  const listeners = new Set<(c: Campaign) => void>()
  const view: TopicView = createTopicView({
    topic: o.topic,
    groupIdPrefix: o.groupIdPrefix,
    ...(o.onCrash && { onCrash: o.onCrash }),
    onRecord: async (key, value) => {
      if (value === null) {
        campaigns.delete(key)
        return
      }
      const c = (await deps.codec.deserialize(value, 'Campaign')).value
      campaigns.set(key, c)
      for (const l of listeners) l(c)
    }
  }, deps)
  return {
    get: (id) => campaigns.get(id),
    list: () => [...campaigns.values()],
    start: () => view.start(),
    catchUp: () => view.catchUp(),
    stop: () => view.stop(),
    onChange (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
