import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { createLogger, maskPhone } from '../src/index.ts'

function capture () {
  const stream = new PassThrough()
  const lines: Array<Record<string, unknown>> = []
  stream.on('data', (chunk: Buffer) => { for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l)) })
  return { stream, lines }
}

test('log lines never carry message bodies, tokens or authorization headers', async () => {
  const { stream, lines } = capture()
  const logger = createLogger({ level: 'info', name: 'ingress', destination: stream })
  logger.info({ req: { headers: { authorization: 'Bearer EAAG-secret', 'x-hub-signature-256': 'sha256=abc' } }, token: 'EAAG-2', body: 'Hello Ana', message: { text: 'private' } }, 'request')
  await new Promise((resolve) => setImmediate(resolve))
  const text = JSON.stringify(lines)
  for (const secret of ['EAAG-secret', 'sha256=abc', 'EAAG-2', 'Hello Ana', 'private']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`)
  assert.equal(lines[0]!.service, 'ingress')
  assert.equal(lines[0]!.msg, 'request')
})

test('maskPhone keeps only the last four digits', () => {
  assert.equal(maskPhone('+1 650-555-1234'), '…1234')
  assert.equal(maskPhone('12'), '…')
  assert.equal(maskPhone(undefined), undefined)
})
