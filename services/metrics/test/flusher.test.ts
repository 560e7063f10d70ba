import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createLogger } from '@wabridge/telemetry'
import { createFlusher } from '../src/ingest/flusher.ts'

const logger = createLogger({ level: 'silent', name: 'test' })

test('flushes periodically, never concurrently, and once more on stop; stop is idempotent', async () => {
  let running = 0
  let maxRunning = 0
  let runs = 0
  const flusher = createFlusher({ intervalMs: 10, timeoutMs: 1000 }, {
    logger,
    flush: async () => {
      running++
      maxRunning = Math.max(maxRunning, running)
      await new Promise((resolve) => setTimeout(resolve, 25))
      running--
      runs++
    }
  })
  flusher.start()
  await new Promise((resolve) => setTimeout(resolve, 150))
  const before = runs
  await flusher.stop()
  await flusher.stop()
  assert.ok(before >= 2, `${before} runs`)
  assert.ok(runs >= before + 1, 'a final flush on stop')
  assert.equal(maxRunning, 1)
  const after = runs
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(runs, after)
})

test('a flush that hangs does not hold up stop beyond the timeout; stop before start does nothing', async () => {
  const never = createFlusher({ intervalMs: 5, timeoutMs: 50 }, { logger, flush: () => new Promise(() => {}) })
  const idle = createFlusher({ intervalMs: 5, timeoutMs: 50 }, { logger, flush: async () => { throw new Error('not started') } })
  await idle.stop()
  // Timers inside the flusher are unref'd; this one keeps the test's event loop alive.
  const keepAlive = setInterval(() => {}, 1000)
  never.start()
  await new Promise((resolve) => setTimeout(resolve, 20))
  const started = Date.now()
  await never.stop()
  clearInterval(keepAlive)
  assert.ok(Date.now() - started < 1000)
})
