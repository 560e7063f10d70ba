import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/** Decides which resolved addresses an endpoint may be delivered to (SSRF guard). */
export interface AddressGuard {
  /**
   * Undefined when `address` (an IP literal) may be reached for a URL with host `host`, else why not:
   * every address outside public unicast (private, loopback, link-local, unique-local, CGNAT,
   * multicast, unspecified, reserved, IPv4-mapped forms of those) is refused unless allow-listed.
   */
  refusal (address: string, host: string): string | undefined
}

/**
 * A guard that lets through public unicast addresses, plus what `allow` lists: host names (exactly
 * as in the URL, lower case) and addresses or CIDRs ("127.0.0.1", "10.1.0.0/16", "fd00::/8").
 */
export function createAddressGuard (allow: readonly string[]): AddressGuard {
  const hosts = new Set<string>()
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = []
  for (const entry of allow.map((a) => a.trim().toLowerCase()).filter((a) => a.length > 0)) {
    if (entry.includes('/')) ranges.push(ipaddr.parseCIDR(entry))
    else if (ipaddr.isValid(entry.replace(/^\[|\]$/g, ''))) {
      const addr = ipaddr.parse(entry.replace(/^\[|\]$/g, ''))
      ranges.push([addr, addr.kind() === 'ipv4' ? 32 : 128])
    } else hosts.add(entry)
  }
  return {
    refusal (address, host) {
      if (hosts.has(host.toLowerCase().replace(/^\[|\]$/g, ''))) return undefined
      let addr = ipaddr.parse(address)
      // ::ffff:10.0.0.1 reaches 10.0.0.1: judge the IPv4 address.
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address()
      if (ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) return undefined
      const range = addr.range()
      if (range === 'unicast') return undefined
      return `address ${address} of ${host} is ${range}, not a public address (allow it with WEBHOOKS_ALLOW_HOSTS)`
    }
  }
}

/** A refused destination: never retried any differently, but counted as a failed attempt. */
export class AddressRefusedError extends Error {
  override readonly name = 'AddressRefusedError'
  readonly code = 'WEBHOOKS_ADDRESS_REFUSED'
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
export type Resolve = (host: string) => Promise<LookupAddress[]>

const systemResolve: Resolve = async (host) => await new Promise((resolve, reject) => {
  dnsLookup(host, { all: true }, (err, addresses) => { if (err) reject(err); else resolve(addresses) })
})

/**
 * A `lookup` for net.connect (undici's connect options) that resolves the host and refuses the
 * connection when any of its addresses is refused: the check is on the address actually connected
 * to, at delivery time, so a name re-pointed after the subscription was made (DNS rebinding) is caught.
 */
export function guardedLookup (guard: AddressGuard, resolve: Resolve = systemResolve) {
  return (host: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(host).then((addresses) => {
      const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses
      for (const a of wanted) {
        const why = guard.refusal(a.address, host)
        if (why !== undefined) { callback(new AddressRefusedError(why), ''); return }
      }
      if (wanted.length === 0) { callback(Object.assign(new Error(`no address for ${host}`), { code: 'ENOTFOUND' }), ''); return }
      if (options.all === true) callback(null, wanted)
      else callback(null, wanted[0]!.address, wanted[0]!.family)
    }, (err: NodeJS.ErrnoException) => callback(err, ''))
  }
}

/** The refusal for a URL whose host is an IP literal (net.connect does no lookup for those), else undefined. */
export function literalRefusal (guard: AddressGuard, url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return isIP(host) === 0 ? undefined : guard.refusal(host, host)
}
