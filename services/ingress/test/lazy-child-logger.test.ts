import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import Fastify, { LogController } from 'fastify'
import { createLogger } from '@wabridge/telemetry'
import { LazyChildLogger } from '../src/lazy-child-logger.ts'

function capture (level: string) {
  const lines: Array<Record<string, unknown>> = []
  const destination = new PassThrough()
  destination.on('data', (chunk: Buffer) => { for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line)) })
  const logger = createLogger({ level, name: 'lazy-test', destination })
  let children = 0
  const child = logger.child.bind(logger)
  logger.child = ((...args: Parameters<typeof child>) => { children++; return child(...args) }) as typeof logger.child
  return { logger, lines, children: () => children }
}

test('makes no child for a line below the level, and the child fastify would have made for one at or above it', () => {
  const { logger, lines, children } = capture('warn')
  const lazy = new LazyChildLogger(logger, { reqId: 'req-1' })
  lazy.debug({ a: 1 }, 'hidden')
  lazy.info('hidden too')
  assert.equal(children(), 0)
  assert.equal(lazy.level, 'warn')
  lazy.warn({ code: 'X', body: 'secret text' }, 'refused')
  lazy.error('failed')
  assert.equal(children(), 1)
  return new Promise<void>((resolve) => setImmediate(() => {
    assert.deepEqual(lines.map(({ level, reqId, msg, code, body, service }) => ({ level, reqId, msg, code, body, service })), [
      { level: 40, reqId: 'req-1', msg: 'refused', code: 'X', body: '[redacted]', service: 'lazy-test' },
      { level: 50, reqId: 'req-1', msg: 'failed', code: undefined, body: undefined, service: 'lazy-test' }
    ])
    resolve()
  }))
})

test('fastify accepts it as request.log and a handler logs through it with the request id', async () => {
  const { logger, lines, children } = capture('info')
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: (parent, bindings, options) => new LazyChildLogger(parent, bindings, options) })
  app.get('/quiet', async () => 'ok')
  app.get('/loud', async (request) => { request.log.info({ route: 'loud' }, 'handled'); return 'ok' })
  await app.ready()
  const before = children()
  assert.equal((await app.inject('/quiet')).statusCode, 200)
  assert.equal(children(), before)
  assert.equal((await app.inject('/loud')).statusCode, 200)
  assert.equal(children(), before + 1)
  await new Promise((resolve) => setImmediate(resolve))
  const line = lines.find((l) => l.msg === 'handled')
  assert.equal(line?.route, 'loud')
  assert.match(String(line?.reqId), /^req-/)
  await app.close()
})
