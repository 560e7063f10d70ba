import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DAILY_QUERY, expectedDaily, expectedHalfHourPn1, HALF_HOUR_QUERY, scenario, T0 } from './fixtures/scenario.ts'
import { getJson, pollUntilEqual, produce, startApp, testEnv, testKafka } from './helpers.ts'

test('counts records shaped like Meta\'s exactly as computed by hand', async (t) => {
  const env = testEnv()
  const app = await startApp(t, env, { clock: () => T0 + 60 * 60_000 })
  await produce(testKafka(), env.TOPIC_PREFIX!, scenario(1))
  const daily = await pollUntilEqual(`${app.url}/v1/usage?${DAILY_QUERY}`, expectedDaily(1), 20_000)
  assert.deepStrictEqual(daily, expectedDaily(1))
  const half = (await getJson(`${app.url}/v1/usage?${HALF_HOUR_QUERY}`)).body
  assert.deepStrictEqual(half.counts.data_points, expectedHalfHourPn1(1))
})
