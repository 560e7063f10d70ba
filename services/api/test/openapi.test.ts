import { testOpenApiContract, type OpenApiDoc } from '@wabridge/process/testing'
import { createLogger } from '@wabridge/telemetry'
import { createKeyStore } from '../src/key-store.ts'
import { buildOpenApiDocument } from '../src/openapi.ts'
import { createRequestView } from '../src/request-view.ts'
import { buildServer } from '../src/server.ts'
import { createRateLimiter } from '../src/token-bucket.ts'

const document = () => buildOpenApiDocument({ version: '1.2.3' }) as unknown as OpenApiDoc

testOpenApiContract({
  document,
  server: (_t, beforeRoutes) => {
    const server = buildServer({
      logger: createLogger({ level: 'silent', name: 'api-test' }),
      maxBodyBytes: 1024,
      retryAfterS: 1,
      openApiDocument: {},
      messages: {
        keys: createKeyStore({ phoneWabas: {} }),
        hasKeys: () => true,
        limiter: createRateLimiter(Date.now),
        publisher: { publish: async () => { throw new Error('not in this test') } },
        view: createRequestView({ windowMs: 60_000, maxEntries: 10, clock: Date.now }),
        retryAfterS: 1
      },
      checks: () => ({}),
      isClosing: () => false
    })
    beforeRoutes(server)
    return server
  },
  broken: { path: '/v1/messages', method: 'post', status: 202 }
})
