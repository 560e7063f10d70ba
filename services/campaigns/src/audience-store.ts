import { randomUUID } from 'node:crypto'
import type { Admin, Kafka } from 'kafkajs'
import { toKafkaHeaders, type OutgoingRecord, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, type CampaignAudienceChunk, type CampaignRecipient, type Codec } from '@wabridge/schemas'
import type { ParsedAudience } from './audience.ts'
import type { AudienceSummary } from './definition.ts'
import { readTopicToEnd } from './read-to-end.ts'

const CHUNK = 1000
/** Chunks per produce call (≈ 100 KB each). */
const CHUNKS_PER_SEND = 20

/** The audiences on the compacted audience topic: chunks of 1,000 recipients, key {campaign}:{upload}:{chunk}. */
export function createAudienceStore (o: { topic: string }, deps: { kafka: Kafka, admin: Admin, producer: WabridgeProducer, codec: Codec }) {
  return {
    /** Writes a parsed audience as a new upload; resolves with its summary once Kafka acknowledged every chunk. */
    async write (campaignId: string, parsed: ParsedAudience): Promise<AudienceSummary> {
      const uploadId = randomUUID().replaceAll('-', '').slice(0, 12)
      const records: OutgoingRecord[] = []
      for (let chunk = 0, first = 0; first < parsed.recipients.length; chunk++, first += CHUNK) {
        const value: CampaignAudienceChunk = { campaign_id: campaignId, upload_id: uploadId, chunk, first_index: first, recipients: parsed.recipients.slice(first, first + CHUNK) }
        records.push({
          topic: o.topic,
          key: `${campaignId}:${uploadId}:${chunk}`,
          value: await deps.codec.serialize(o.topic, 'CampaignAudienceChunk', value),
          headers: toKafkaHeaders({ contentType: contentTypeFor('CampaignAudienceChunk'), schemaFingerprint: deps.codec.fingerprintHex('CampaignAudienceChunk') })
        })
      }
      for (let i = 0; i < records.length; i += CHUNKS_PER_SEND) await deps.producer.send(records.slice(i, i + CHUNKS_PER_SEND))
      return {
        upload_id: uploadId,
        size: parsed.recipients.length,
        chunks: records.length,
        invalid: parsed.invalid.length,
        duplicates: parsed.duplicates,
        invalid_rows: parsed.invalid.slice(0, 100)
      }
    },
    /** The recipients of one upload, in index order (reads the audience topic from the beginning). */
    async load (campaignId: string, uploadId: string, size: number): Promise<CampaignRecipient[]> {
      const out = new Array<CampaignRecipient>(size)
      let found = 0
      const prefix = `${campaignId}:${uploadId}:`
      await readTopicToEnd(deps.kafka, deps.admin, o.topic, async (key, value) => {
        if (!key.startsWith(prefix) || value === null) return
        const chunk = (await deps.codec.deserialize(value, 'CampaignAudienceChunk')).value
        chunk.recipients.forEach((r, k) => {
          if (out[chunk.first_index + k] === undefined) found++
          out[chunk.first_index + k] = r
        })
      })
      return found === size ? out : out.filter((r) => r !== undefined)
    }
  }
}

export type AudienceStore = ReturnType<typeof createAudienceStore>
