import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AssignerProtocol } from 'kafkajs'
import { DAILY_QUERY, expectedDaily, scenario, T0 } from './fixtures/scenario.ts'
import { getJson, pollUntilEqual, produce, startApp, testEnv, testKafka, waitFor } from './helpers.ts'

test('two instances share the partitions and both answer with the same exact totals', async (t) => {
  const copies = 100
  const env = testEnv()
  const clock = () => T0 + 60 * 60_000
  const [a, b] = await Promise.all([startApp(t, env, { clock }), startApp(t, env, { clock })])
  const kafka = testKafka()
  const admin = kafka.admin()
  await admin.connect()
  t.after(() => admin.disconnect())

  // Both are members and each owns some input partitions: each key is counted by one of them.
  let owned: number[] = []
  await waitFor(async () => {
    const [group] = (await admin.describeGroups([env.METRICS_GROUP_ID!])).groups
    owned = (group?.members ?? []).map((m) => {
      const assignment = AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}
      return Object.values(assignment).reduce((n, parts) => n + parts.length, 0)
    })
    return group?.state === 'Stable' && owned.length === 2
  }, 20_000, 'a stable group of two')
  assert.equal(owned.length, 2)
  assert.ok(owned.every((n) => n > 0), `assignment sizes ${owned.join(', ')}`)
  assert.equal(owned[0]! + owned[1]!, 12)

  await produce(kafka, env.TOPIC_PREFIX!, scenario(copies))
  const expected = expectedDaily(copies)
  const fromA = await pollUntilEqual(`${a.url}/v1/usage?${DAILY_QUERY}`, expected, 30_000)
  assert.deepStrictEqual(fromA, expected)
  const fromB = (await getJson(`${b.url}/v1/usage?${DAILY_QUERY}`)).body
  assert.deepStrictEqual(fromB, fromA)
})
