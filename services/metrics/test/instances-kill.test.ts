import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { topicNames } from '@wabridge/kafka'
import { findFreePorts } from '@wabridge/local-kafka'
import { DAILY_QUERY, expectedDaily, scenario, T0 } from './fixtures/scenario.ts'
import { getJson, pollUntilEqual, produce, startApp, testEnv, testKafka, uniqueName, waitFor } from './helpers.ts'

const root = resolve(fileURLToPath(import.meta.url), '../../../..')

/** The real service in its own process, its API on `port`. */
function instance (t: TestContext, env: Record<string, string>, port: number): { child: ChildProcess, url: string, killed: Promise<boolean> } {
  const child = spawn(process.execPath, ['--conditions=source', 'services/metrics/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env, METRICS_PORT: String(port), OTEL_SDK_DISABLED: 'true' },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const killed = new Promise<boolean>((resolve) => child.once('exit', (_code, signal) => resolve(signal === 'SIGKILL')))
  t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  return { child, url: `http://127.0.0.1:${port}`, killed }
}

test('two instances, one killed with kill -9 mid-stream and started again: every instance answers the totals of an uninterrupted single instance', { timeout: 240_000 }, async (t) => {
  const copies = 150
  const env = testEnv({ METRICS_SESSION_TIMEOUT_MS: '6000' })
  const records = scenario(copies)
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())
  const clock = () => T0 + 60 * 60_000

  // The uninterrupted single instance: its own group and changelog over the same input.
  const reference = await startApp(t, { ...env, METRICS_GROUP_ID: uniqueName('reference'), METRICS_CHANGELOG_TOPIC: `${env.TOPIC_PREFIX}.reference.changelog` }, { clock })

  const base = await findFreePorts(3)
  const a = instance(t, env, base)
  const b = instance(t, env, base + 1)
  const names = topicNames(env.TOPIC_PREFIX!)
  const inputs = [names.inboundMessages, names.inboundStatuses, names.inboundEvents, names.outboundResults]
  const members = async () => (await admin.describeGroups([env.METRICS_GROUP_ID!])).groups[0]
  const committed = async () => {
    const offsets = await admin.fetchOffsets({ groupId: env.METRICS_GROUP_ID!, topics: inputs }).catch(() => [])
    return offsets.flatMap((o) => o.partitions).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0)
  }
  await waitFor(async () => { const g = await members(); return g?.state === 'Stable' && g.members.length === 2 }, 60_000, 'a stable group of two processes')

  const chunks = 10
  const size = Math.ceil(records.length / chunks)
  let restarted: ReturnType<typeof instance> | undefined
  for (let i = 0; i < chunks; i++) {
    await produce(kafka, env.TOPIC_PREFIX!, records.slice(i * size, (i + 1) * size))
    if (i === 3) {
      await waitFor(async () => await committed() > 0, 30_000, 'a first commit')
      a.child.kill('SIGKILL')
      assert.equal(await a.killed, true)
      const atKill = await committed()
      assert.ok(atKill < records.length, `mid-stream: ${atKill} of ${records.length} committed`)
    }
    if (i === 6) {
      // B owns everything once A's session ended; then A comes back and takes its share again.
      await waitFor(async () => { const g = await members(); return g?.state === 'Stable' && g.members.length === 1 }, 60_000, 'B alone in the group')
      restarted = instance(t, env, base + 2)
    }
  }
  await waitFor(async () => { const g = await members(); return g?.state === 'Stable' && g.members.length === 2 }, 60_000, 'the restarted instance back in the group')

  // The processes run on the real clock, days after the scenario: their rolling-24 h user counts are
  // empty, so counts and costs are compared here (instances.test.ts compares the users too).
  const withoutUsers = (body: Record<string, unknown>) => { const { unique_customers_24h: _, ...rest } = body; return rest }
  const expected = withoutUsers(expectedDaily(copies))
  const uninterrupted = withoutUsers(await pollUntilEqual(`${reference.url}/v1/usage?${DAILY_QUERY}`, expectedDaily(copies), 60_000) as Record<string, unknown>)
  assert.deepStrictEqual(uninterrupted, expected)
  for (const node of [b, restarted!]) {
    let answer: unknown
    await waitFor(async () => {
      answer = withoutUsers((await getJson(`${node.url}/v1/usage?${DAILY_QUERY}`)).body)
      return isDeepStrictEqual(answer, expected)
    }, 60_000, `${node.url} to count everything`)
    assert.deepStrictEqual(answer, uninterrupted, `${node.url} answers the uninterrupted totals`)
  }
  assert.equal((await getJson(`${restarted!.url}/readyz`)).status, 200)
  // Every input record was folded once: the group's offsets reached the end of the input.
  await waitFor(async () => await committed() === records.length, 30_000, 'every input offset committed')
})
