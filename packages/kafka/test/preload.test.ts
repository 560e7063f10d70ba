import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { createRequire, Module } from 'node:module'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { groupMessagesPerPartition } from '../src/preload.ts'

const require = createRequire(import.meta.url)
const root = fileURLToPath(new URL('../../..', import.meta.url))
const PATH = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js')

/** kafkajs' own function, compiled from its file (the module cache may hold the replacement). */
function kafkajsOriginal (): typeof groupMessagesPerPartition {
  const mod = new Module(PATH) as Module & { _compile(code: string, file: string): void }
  mod._compile(require('node:fs').readFileSync(PATH, 'utf8') as string, PATH)
  return mod.exports as typeof groupMessagesPerPartition
}

test('the linear grouping gives what kafkajs\' own gives: the same partitions, each in message order', () => {
  const original = kafkajsOriginal()
  const partitionMetadata = Array.from({ length: 7 }, (_, i) => ({ partitionId: i }))
  const messages = Array.from({ length: 3000 }, (_, i) => ({ key: `k${(i * 31) % 97}`, value: String(i), partition: i % 5 === 0 ? 6 : undefined }))
  const partitioner = ({ message }: { message: unknown }) => {
    const m = message as { key: string, partition?: number }
    return m.partition ?? Number(m.key.slice(1)) % 7
  }
  const args = { topic: 't', partitionMetadata, messages, partitioner }
  assert.deepEqual(groupMessagesPerPartition(args), original(args))
  assert.deepEqual(groupMessagesPerPartition({ ...args, partitionMetadata: [] }), original({ ...args, partitionMetadata: [] }))
  // The check can fail: a grouping that loses the order differs.
  const reversed = { ...args, messages: [...messages].reverse() }
  assert.notDeepEqual(groupMessagesPerPartition(reversed), original(args))
})

test('loaded before kafkajs, kafkajs\' producer uses it and still produces; loaded after, it says so', async () => {
  const run = async (code: string) => (await promisify(execFile)(process.execPath, ['--import', 'tsx', '--conditions=source', '--input-type=module', '-e', code], { cwd: root })).stdout.trim()
  assert.equal(await run("await import('@wabridge/kafka/preload'); const { isGroupingFixed } = await import('@wabridge/kafka/preload'); await import('kafkajs'); const { createRequire } = await import('node:module'); const r = createRequire(import.meta.url); r('kafkajs/src/producer/sendMessages.js'); console.log(isGroupingFixed())"), 'true')
  assert.equal(await run("const { createRequire } = await import('node:module'); createRequire(import.meta.url)('kafkajs/src/producer/sendMessages.js'); const { isGroupingFixed } = await import('@wabridge/kafka/preload'); console.log(isGroupingFixed())"), 'false')
})

test('every service entry loads the preload right after the Node floor, before anything else', async () => {
  const services = await readdir(`${root}/services`)
  assert.ok(services.length >= 10)
  for (const service of services) {
    const main = await readFile(`${root}/services/${service}/src/main.ts`, 'utf8')
    const imports = [...main.matchAll(/^import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1])
    assert.deepEqual(imports.slice(0, 2), ['@wabridge/process/node-floor', '@wabridge/kafka/preload'], `services/${service}/src/main.ts`)
    const firstOther = main.search(/^(import .* from|await import|const |if )/m)
    assert.ok(firstOther === -1 || firstOther > main.indexOf('@wabridge/kafka/preload'), `services/${service}/src/main.ts loads something before the preload`)
  }
})
