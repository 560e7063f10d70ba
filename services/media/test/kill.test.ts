import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, openSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { collectMedia, mediaEnv, sendMedia, startSimWithBridge, tempDir, testKafka, uniqueName, waitFor, type SentMedia } from './helpers.ts'

const CHILD = fileURLToPath(new URL('./fixtures/worker-child.ts', import.meta.url))

function startChild (t: TestContext, env: Record<string, string>, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a')
  const child = spawn(process.execPath, ['--conditions=source', CHILD], { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return child
}

test('a worker killed mid-run (SIGKILL) loses nothing and stores nothing twice; each record is published once', async (t) => {
  const prefix = uniqueName('mkill')
  const dir = await tempDir(t, 'media-kill-')
  const writesLog = join(dir, 'writes.log')
  await writeFile(writesLog, '')
  const { sim } = await startSimWithBridge(t, prefix)
  const env = { ...mediaEnv(prefix, sim.url, join(dir, 'store'), { MEDIA_CONCURRENCY: '4' }), MEDIA_TEST_WRITES_LOG: writesLog }
  const sent: SentMedia[] = []
  // Slow downloads (40 ms each) so that the kill lands while some are running.
  for (let i = 0; i < 300; i += 50) {
    sent.push(...await Promise.all(Array.from({ length: 50 }, (_, j) => sendMedia(sim, { from: String(15550200000 + ((i + j) % 31)), size: 1500 + j, downloadDelayMs: 40 }))))
  }

  const childLog = join(dir, 'children.log')
  const first = startChild(t, { ...env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' }, childLog)
  const records = await collectMedia(t, prefix)
  await waitFor(() => `a first share of the records, have ${records.length}`, () => records.length >= 40, 90_000)
  first.kill('SIGKILL')
  await new Promise((resolve) => first.once('exit', resolve))
  const before = records.length
  assert.ok(before < 300, `killed mid-run (${before} records published)`)

  startChild(t, { ...env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' }, childLog)
  try {
    await waitFor(() => `300 records, have ${records.length}`, () => new Set(records.map((r) => r.media_id)).size >= 300, 120_000)
  } catch (err) {
    // What is missing, and what the workers said: the test's failure message carries it.
    const have = new Set(records.map((r) => r.media_id))
    const writes = await readFile(writesLog, 'utf8')
    const missing = sent.filter((s) => !have.has(s.mediaId)).map((s) => ({ id: s.mediaId, stored: writes.includes(s.mediaId) }))
    const logs = (await readFile(childLog, 'utf8')).split('\n').slice(-40).join('\n')
    const admin = testKafka().admin()
    await admin.connect()
    const offsets = {
      committed: await admin.fetchOffsets({ groupId: `${prefix}.media`, topics: [`${prefix}.inbound.messages`] }),
      inboundEnd: await admin.fetchTopicOffsets(`${prefix}.inbound.messages`),
      mediaEnd: await admin.fetchTopicOffsets(`${prefix}.inbound.media`),
      readerCount: records.length
    }
    await admin.disconnect()
    throw new Error(`${(err as Error).message}; missing ${JSON.stringify(missing)}; offsets ${JSON.stringify(offsets)}; workers' log:\n${logs}`)
  }
  // Anything published twice would arrive right after.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const seen = new Map<string, number[]>()
  records.forEach((r, i) => seen.set(r.media_id, [...(seen.get(r.media_id) ?? []), i]))
  const dups = [...seen].filter(([, ix]) => ix.length > 1)
  assert.equal(records.length, 300, `each record published once; killed after ${before}; duplicates at ${JSON.stringify(dups.map(([id, ix]) => ({ id, ix, at: ix.map((i) => records[i]?.completed_at) })))}`)
  const byId = new Map(records.map((r) => [r.media_id, r]))
  for (const s of sent) {
    const r = byId.get(s.mediaId)
    assert.equal(r?.status, 'ready', `${s.mediaId}: ${r?.reason ?? ''}`)
    const bytes = await readFile(fileURLToPath(r.storage_uri as string))
    assert.equal(createHash('sha256').update(bytes).digest('hex'), s.sha256)
  }
  const writes = (await readFile(writesLog, 'utf8')).split('\n').filter(Boolean)
  const counts = new Map<string, number>()
  for (const id of writes) counts.set(id, (counts.get(id) ?? 0) + 1)
  assert.deepEqual([...counts].filter(([, n]) => n > 1), [], 'no media stored twice')
  // A write finished before the kill but not logged yet is the only way to miss a line.
  assert.ok(writes.length >= 300 - 4, `${writes.length} store writes`)
})
