import { waitFor } from '../src/testing.ts'

export { brokersFromEnv, connectedAdmin, createTopic, readAll, testKafka, uniqueName, waitFor } from '../src/testing.ts'

/**
 * An admin question asked again while it fails: any broker of a new cluster may answer, and one that
 * has not loaded a new topic's metadata yet says UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function once<T> (what: string, ask: () => Promise<T>): Promise<T> {
  let answer: { value: T } | undefined
  await waitFor(async () => {
    answer = await ask().then((value) => ({ value }), () => undefined)
    return answer !== undefined
  }, 30_000, what)
  return answer!.value
}
