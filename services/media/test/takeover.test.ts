import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import type { Kafka } from 'kafkajs'
import { topicNames } from '@wabridge/kafka'
import { gate, stallableKafka } from '@wabridge/kafka/testing'
import type { InboundMedia } from '@wabridge/schemas'
import { createLogger } from '@wabridge/telemetry'
import { loadConfig, mediaTopicName, type MediaJob } from '../src/index.ts'
import { createMediaPipeline, type MediaPipeline } from '../src/media-pipeline.ts'
import { ensureMediaTopics } from '../src/topics.ts'
import { codec, collectMedia, inboundMessage, mediaEnv, PNID, startWebhookBridge, tempDir, testKafka, uniqueName, waitFor } from './helpers.ts'

const imageMessage = (n: number) => inboundMessage({ id: `wamid.fence.${n}`, from: '15550001234', timestamp: '1800000000', type: 'image', image: { id: `media-${n}`, mime_type: 'image/jpeg' } }, { wabaId: '102290129340398', phoneNumberId: PNID })

/** A stored media record, its storage URI naming the instance that made it. */
const mediaRecord = (job: MediaJob, who: string): InboundMedia => ({
  event_id: `media:${job.mediaId}`,
  status: 'ready',
  message_id: job.messageId,
  media_id: job.mediaId,
  media_type: job.type,
  phone_number_id: job.phoneNumberId,
  waba_id: job.wabaId,
  wa_id: job.waId,
  mime_type: 'image/jpeg',
  sha256: null,
  size: 1,
  storage_uri: `mem://${who}/${job.mediaId}`,
  filename: null,
  failure: null,
  reason: null,
  attempts: 1,
  message_timestamp: job.messageTimestamp,
  completed_at: 1
})

test('a new owner ready on a partition has fenced the old owner: the old one\'s next transaction fails and publishes nothing', { timeout: 90_000 }, async (t: TestContext) => {
  const prefix = uniqueName('mfence')
  const dir = await tempDir(t, 'media-fence-')
  // One partition, so that the new instance takes over the old one's partition.
  const config = loadConfig(mediaEnv(prefix, 'http://127.0.0.1:9', dir, { KAFKA_TOPIC_PARTITIONS: '1', MEDIA_TRANSACTION_TIMEOUT_MS: '30000' }))
  const admin = testKafka().admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  await ensureMediaTopics(admin, config, createLogger({ level: 'silent', name: 'media-test' }))
  const { publish } = await startWebhookBridge(t, prefix)

  const oldLog: string[] = []
  const logOf = (name: string, lines?: string[]) => createLogger({
    level: process.env.TEST_LOG_LEVEL ?? 'warn',
    name,
    destination: new Writable({ write (chunk: Buffer, _encoding, done) { lines?.push(chunk.toString()); if (process.env.TEST_LOG_LEVEL) process.stderr.write(chunk); done() } })
  })
  const start = async (name: string, kafka: Kafka, handle: (job: MediaJob) => Promise<InboundMedia>, published: string[], lines?: string[]): Promise<MediaPipeline> => {
    const pipeline = createMediaPipeline({
      groupId: config.MEDIA_GROUP_ID,
      inboundTopic: topicNames(prefix).inboundMessages,
      mediaTopic: mediaTopicName(prefix),
      concurrency: 4,
      maxPending: 100,
      commitIntervalMs: 20,
      transactionTimeoutMs: config.MEDIA_TRANSACTION_TIMEOUT_MS,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      maxRestarts: 5,
      restartWindowMs: 600_000,
      onCrash: (err) => { t.diagnostic(`${name}: consumer crashed: ${err.message}`) }
    }, {
      kafka,
      admin,
      codec,
      logger: logOf(name, lines),
      handle,
      onPublished: (records) => { published.push(...records.map((r) => r.media_id)) }
    })
    await pipeline.start()
    return pipeline
  }

  // The old owner: media-1's download hangs until the test lets it finish.
  const oldDownload = gate()
  const oldHold = gate()
  const old = stallableKafka(testKafka(), oldHold)
  const oldPublished: string[] = []
  const oldOwner = await start('media-old', old.kafka, async (job) => {
    if (job.mediaId === 'media-1') await oldDownload.pass()
    return mediaRecord(job, 'old')
  }, oldPublished, oldLog)
  t.after(async () => {
    oldDownload.open()
    oldHold.open()
    await oldOwner.stop(1000)
  })
  await waitFor('the old owner ready', () => oldOwner.partitions().ready === 1)
  const records = await collectMedia(t, prefix)

  // It commits once (media-0), then takes media-1, whose download hangs.
  await publish(imageMessage(0))
  await waitFor('media-0 published by the old owner', () => oldPublished.includes('media-0'))
  await publish(imageMessage(1))
  await oldDownload.reached
  // Then its consumer stalls (no fetch, no heartbeat) with media-2: the group drops it after its
  // session timeout and gives the partition to the new instance; the old one has not noticed.
  old.stall()
  await publish(imageMessage(2))
  await oldHold.reached

  // The new owner: its downloads wait until the old owner's transaction is over.
  const newDownloads = gate()
  const newPublished: string[] = []
  const newOwner = await start('media-new', testKafka(), async (job) => {
    await newDownloads.pass()
    return mediaRecord(job, 'new')
  }, newPublished)
  t.after(async () => {
    newDownloads.open()
    await newOwner.stop(1000)
  })
  await waitFor('the new owner ready on the partition', () => newOwner.partitions().ready === 1, 60_000)

  // The old owner's media-1 finishes now, after the takeover: its transaction must fail as fenced.
  oldDownload.open()
  await waitFor('the old owner\'s transaction of media-1 to be over', () => oldPublished.includes('media-1') || oldLog.some((l) => l.includes('fenced by a new owner')))
  newDownloads.open()
  await waitFor('media-2 published by the new owner', () => newPublished.includes('media-2'))
  // One partition, read in order: media-2 is the last record, everything committed before it has been read.
  await waitFor('media-2 read', () => records.some((r) => r.media_id === 'media-2'))

  assert.deepEqual(records.map((r) => r.storage_uri), ['mem://old/media-0', 'mem://new/media-1', 'mem://new/media-2'], 'each media published once; nothing the old owner wrote after the takeover is visible')
  assert.deepEqual(oldPublished, ['media-0'], 'the old owner committed no transaction after the new owner was ready')
  assert.ok(oldLog.some((l) => l.includes('fenced by a new owner')), 'the old owner learnt it was fenced')
})
