import { randomUUID } from 'node:crypto'
import type { SchemaName } from '@wabridge/schemas'
import type { CliContext } from './context.ts'

/**
 * Starts watching `topic` from its current end (before the caller produces what will cause the
 * record) and resolves the first decoded record that `match`es.
 */
export async function waitForRecord<T> (ctx: CliContext, topic: string, schema: SchemaName, match: (value: T) => boolean) {
  const admin = ctx.kafka.admin()
  await admin.connect()
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())
  const consumer = ctx.kafka.consumer({ groupId: `wabridge-cli-${randomUUID()}`, maxWaitTimeInMs: 100 })
  let found: ((value: T) => void) | undefined
  const foundPromise = new Promise<T>((resolve) => { found = resolve })
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: false })
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()))
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (!message.value) return
      try {
        const value = (await ctx.codec.deserialize(message.value, schema)).value as T
        if (match(value)) found?.(value)
      } catch {
        // not a record of this schema: not ours
      }
    }
  })
  await joined
  for (const p of ends) consumer.seek({ topic, partition: p.partition, offset: p.high })
  return {
    async result (timeoutMs: number): Promise<T | undefined> {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), timeoutMs) })
      try {
        return await Promise.race([foundPromise, timeout])
      } finally {
        clearTimeout(timer)
        await consumer.disconnect()
      }
    },
    async cancel () { await consumer.disconnect() }
  }
}
