import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { topicNames } from '@wabridge/kafka'
import { DAILY_QUERY, expectedDaily, scenario, T0 } from './fixtures/scenario.ts'
import { getJson, pollUntilEqual, produce, startApp, testEnv, testKafka, uniqueName, waitFor } from './helpers.ts'

const root = resolve(fileURLToPath(import.meta.url), '../../../..')

test('kill -9 mid-stream, restart: totals identical to an uninterrupted run', async (t) => {
  const copies = 150
  const env = testEnv()
  const records = scenario(copies)
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const clock = () => T0 + 60 * 60_000

  // The uninterrupted reference: its own group and changelog over the same input.
  const reference = await startApp(t, { ...env, METRICS_GROUP_ID: uniqueName('reference'), METRICS_CHANGELOG_TOPIC: `${env.TOPIC_PREFIX}.reference.changelog` }, { clock })

  // The victim: the real service in its own process.
  const child = spawn(process.execPath, ['--conditions=source', 'services/metrics/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, OTEL_SDK_DISABLED: 'true' },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? 9 : _code)))
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL') })

  const names = topicNames(env.TOPIC_PREFIX!)
  const inputs = [names.inboundMessages, names.inboundStatuses, names.inboundEvents, names.outboundResults]
  const committed = async () => {
    const offsets = await admin.fetchOffsets({ groupId: env.METRICS_GROUP_ID!, topics: inputs }).catch(() => [])
    return offsets.flatMap((o) => o.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
  }

  const chunks = 10
  const size = Math.ceil(records.length / chunks)
  let killedAt = -1
  for (let i = 0; i < chunks; i++) {
    await produce(kafka, env.TOPIC_PREFIX!, records.slice(i * size, (i + 1) * size))
    if (killedAt < 0 && i >= 3 && await committed() > 0) {
      child.kill('SIGKILL')
      killedAt = i
    }
    if (killedAt < 0 && i === 3) await waitFor(async () => await committed() > 0, 30_000, 'the first commit of the child')
  }
  if (killedAt < 0) { child.kill('SIGKILL'); killedAt = chunks }
  assert.equal(await exited, 9)
  const committedAtKill = await committed()
  assert.ok(committedAtKill > 0 && committedAtKill < records.length, `mid-stream: ${committedAtKill} of ${records.length} committed`)

  const restarted = await startApp(t, env, { clock })
  const expected = expectedDaily(copies)
  const after = await pollUntilEqual(`${restarted.url}/v1/usage?${DAILY_QUERY}`, expected, 45_000)
  assert.deepStrictEqual(after, expected)
  const uninterrupted = await pollUntilEqual(`${reference.url}/v1/usage?${DAILY_QUERY}`, expected, 10_000)
  assert.deepStrictEqual(after, uninterrupted)
  assert.equal((await getJson(`${restarted.url}/readyz`)).status, 200)
})
