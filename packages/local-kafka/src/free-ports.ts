import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * The lowest port the kernel hands out to outgoing connections (Linux: ip_local_port_range; 32768
 * elsewhere). A port checked free and bound a few seconds later by a JVM must lie below it, or a
 * client socket of a concurrent test may take it in between.
 */
function ephemeralLow (): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 2048 ? low : 32768
  } catch {
    return 32768
  }
}

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
 * private broker: broker and controller ports of each node). Picks below the ephemeral range,
 * where no outgoing connection can take a port between this check and the broker's bind.
 */
export async function findFreePorts (count: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const high = Math.max(11000, ephemeralLow()) - count
    const base = 10000 + Math.floor(Math.random() * (high - 10000))
    let ok = true
    for (let p = base; p < base + count && ok; p++) ok = (await listenOnce(p, host)) === p
    if (ok) return base
  }
  throw new Error(`no ${count} consecutive free ports found on ${host}`)
}

/** A port free on `host` right now, picked by the kernel (for a test's own servers, bound at once). */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  const port = await listenOnce(0, host)
  if (port === undefined) throw new Error(`no free port on ${host}`)
  return port
}
