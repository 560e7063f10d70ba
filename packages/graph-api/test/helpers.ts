import type { TestContext } from 'node:test'
import { createGraphApiSim, type GraphApiSim, type GraphApiSimOptions } from '@wabridge/graph-api-sim'
import { createGraphApiClient, type GraphApiClient, type GraphApiClientOptions } from '../src/index.ts'

/** A simulator on 127.0.0.1 and a free port, stopped after the test. */
export async function startSim (t: TestContext, options: GraphApiSimOptions = {}): Promise<GraphApiSim> {
  const sim = createGraphApiSim({ host: '127.0.0.1', port: 0, ...options })
  await sim.start()
  t.after(() => sim.stop())
  return sim
}

/** A client for `baseUrl`, stopped after the test. */
export function startClient (t: TestContext, options: GraphApiClientOptions): GraphApiClient {
  const client = createGraphApiClient(options)
  t.after(() => client.stop())
  return client
}
