/**
 * Which protocol versions kafkajs and a broker have in common, per API: the broker's ApiVersions
 * answer (a raw v0 request, so no client negotiation is involved) against the versions kafkajs
 * implements. Kafka 4 dropped old versions of several APIs (KIP-896); kafkajs picks the highest
 * version both sides know, so an API breaks only when that set is empty.
 */
import { createRequire } from 'node:module'
import { connect } from 'node:net'

const require = createRequire(import.meta.url)

export interface ApiSupport {
  api: string
  kafkajs: [number, number]
  broker: [number, number] | undefined
  /** The version kafkajs will use with this broker; undefined = none in common. */
  used: number | undefined
}

async function brokerApiVersions (host: string, port: number): Promise<Map<number, [number, number]>> {
  const clientId = Buffer.from('wabridge-api-versions')
  const body = Buffer.alloc(10 + clientId.length)
  body.writeInt16BE(18, 0) // ApiVersions
  body.writeInt16BE(0, 2) // v0: every broker answers it
  body.writeInt32BE(1, 4) // correlation id
  body.writeInt16BE(clientId.length, 8)
  clientId.copy(body, 10)
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length)
  const response = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(Buffer.concat([size, body])))
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no ApiVersions answer from ${host}:${port}`)))
    let buf = Buffer.alloc(0)
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk])
      if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        socket.end()
        resolve(buf)
      }
    })
    socket.on('error', reject)
  })
  const errorCode = response.readInt16BE(8)
  if (errorCode !== 0) throw new Error(`ApiVersions failed with error code ${errorCode}`)
  const versions = new Map<number, [number, number]>()
  const count = response.readInt32BE(10)
  for (let i = 0; i < count; i++) versions.set(response.readInt16BE(14 + 6 * i), [response.readInt16BE(16 + 6 * i), response.readInt16BE(18 + 6 * i)])
  return versions
}

/** Every API kafkajs implements, with the broker's range and the version kafkajs will use. */
export async function apiSupport (broker: string): Promise<ApiSupport[]> {
  const [host = '127.0.0.1', port = '9092'] = broker.split(':')
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as { requests: Record<string, { versions: string[] } | undefined> }
  const served = await brokerApiVersions(host, Number(port))
  const out: ApiSupport[] = []
  for (const [api, key] of Object.entries(apiKeys)) {
    const ours = (requests[api]?.versions ?? []).map(Number)
    if (ours.length === 0) continue
    const range = served.get(key)
    const common = range ? ours.filter((v) => v >= range[0] && v <= range[1]) : []
    out.push({ api, kafkajs: [Math.min(...ours), Math.max(...ours)], broker: range, used: common.length > 0 ? Math.max(...common) : undefined })
  }
  return out
}

export const formatSupport = (s: ApiSupport) =>
  `${s.api.padEnd(28)} kafkajs v${s.kafkajs.join('-')}  broker ${s.broker ? `v${s.broker.join('-')}` : 'absent'}  uses ${s.used === undefined ? 'NONE' : `v${s.used}`}`
