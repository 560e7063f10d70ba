import { createServer } from 'node:net'

function listenOnce (port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(undefined))
    server.listen(port, host, () => {
      const address = server.address()
      const bound = typeof address === 'object' && address ? address.port : undefined
      server.close(() => resolve(bound))
    })
  })
}

/**
 * A base port such that `count` consecutive ports from it are free on `host` right now (for a
 * private broker: broker and controller ports of each node). Picks from the ephemeral range.
 */
export async function findFreePorts (count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 20000)
    let ok = true
    for (let p = base; p < base + count && ok; p++) ok = (await listenOnce(p, host)) === p
    if (ok) return base
  }
  throw new Error(`no ${count} consecutive free ports found on ${host}`)
}
