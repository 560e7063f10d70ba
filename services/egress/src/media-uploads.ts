import type { Admin, Kafka } from 'kafkajs'
import { createTopicView, toKafkaHeaders, type WabridgeProducer } from '@wabridge/kafka'
import { contentTypeFor, uploadedMediaKey, type Codec, type UploadedMedia } from '@wabridge/schemas'
import type { UploadsIndex } from './media-refs.ts'

/** Compacted: files of the media store uploaded to a number (key '{phone_number_id}:{storage_uri}', value UploadedMedia). */
export const mediaUploadsTopic = (prefix: string) => `${prefix}.media.uploads`

export interface MediaUploadsOptions {
  topic: string
  /** Prefix of the view's private consumer groups. */
  groupId: string
  codec: Codec
  producer: WabridgeProducer
  onCrash: (err: Error) => void
  logger: { info (obj: object, msg: string): void, warn (obj: object, msg: string): void }
}

/**
 * Every instance's copy of wa.media.uploads (read whole, then followed), and the writer of new
 * uploads: a file is uploaded once per number (per content) across all instances that read the
 * record in time; two instances uploading the same file at the same moment both upload, and the
 * later record wins (both media ids work).
 */
export function createMediaUploads (kafka: Kafka, admin: Admin, options: MediaUploadsOptions): UploadsIndex & { start(): Promise<void>, stop(): Promise<void>, readonly size: number } {
  const entries = new Map<string, UploadedMedia>()
  const { codec, topic } = options
  const view = createTopicView({
    topic,
    groupIdPrefix: `${options.groupId}-media-uploads`,
    onCrash: options.onCrash,
    onRecord: async (key, value, offset) => {
      if (value === null || value.length === 0) { entries.delete(key); return }
      try {
        entries.set(key, (await codec.deserialize(value, 'UploadedMedia')).value)
      } catch (err) {
        options.logger.warn({ err, topic, offset: String(offset) }, 'an uploaded-media record could not be decoded; skipped')
      }
    }
  }, { kafka, admin, logger: options.logger })
  return {
    start: () => view.start(),
    stop: () => view.stop(),
    get size () { return entries.size },
    get: (key) => entries.get(key),
    async put (record) {
      const key = uploadedMediaKey(record.phone_number_id, record.storage_uri)
      entries.set(key, record)
      try {
        await options.producer.send([{
          topic,
          key,
          value: await codec.serialize(topic, 'UploadedMedia', record),
          headers: toKafkaHeaders({ eventId: `${key}:${record.sha256}:${record.uploaded_at}`, contentType: contentTypeFor('UploadedMedia'), schemaFingerprint: codec.fingerprintHex('UploadedMedia') })
        }])
      } catch (err) {
        // This instance reuses the id all the same; other instances upload the file once more.
        options.logger.warn({ err, key }, 'an upload could not be recorded on the uploads topic')
      }
    }
  }
}
