/**
 * A lab network described as data: segments (one Linux bridge each), and hosts (one network
 * namespace each) with an interface on one or more segments. A router is a host with two
 * interfaces, `forward: true` and an nftables ruleset; a host behind it names it as `gateway`.
 * Addresses come from blocks that exist only inside the lab (README: "Addresses").
 */

import { LabCommandError } from './commands.js'

export interface SegmentSpec {
  /** Segment name, `[a-z][a-z0-9-]*`. */
  name: string
  /** The segment's subnet in CIDR form, e.g. `6.0.0.0/24`. */
  subnet: string
  /** Drop multicast crossing the segment (a switch or Wi-Fi that filters mDNS). @default false */
  dropMulticast?: boolean
  /** Drop this percentage of frames at random, 0-100 (nftables `numgen`). @default 0 */
  lossPercent?: number
}

export interface InterfaceSpec {
  /** The segment this interface is plugged into. */
  segment: string
  /** The interface's address in CIDR form, e.g. `6.0.0.1/24`. */
  address: string
}

export interface HostSpec {
  /** Host name, `[a-z][a-z0-9-]*` (at most 20 characters). */
  name: string
  /** Interfaces, named `eth0`, `eth1`, ... inside the host in this order; none: loopback only. */
  interfaces: InterfaceSpec[]
  /** Default route via this address (a router on one of the host's segments). */
  gateway?: string
  /**
   * Routes to add, as `ip route add` arguments (`['224.0.0.0/4', 'dev', 'eth0']`). A host with
   * no default route needs a multicast route for mDNS: without one, every send fails with
   * ENETUNREACH while the socket looks healthy.
   */
  routes?: string[][]
  /** Forward IPv4 between interfaces (a router). @default false */
  forward?: boolean
  /** An nftables ruleset loaded into the host's namespace at start (`nft -f`). */
  nftables?: string
}

export interface Topology {
  /** Topology name, for logs and `pnpm netlab up <name>`. */
  name: string
  segments: SegmentSpec[]
  hosts: HostSpec[]
}

const NAME = /^[a-z][a-z0-9-]{0,19}$/
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/

/** Splits `a.b.c.d/n` into its address and prefix, or undefined when it is not one. */
export function parseCidr(cidr: string): { address: string; prefix: number } | undefined {
  const match = CIDR.exec(cidr)
  if (match === null) return undefined
  const octets = match.slice(1, 5).map(Number)
  const prefix = Number(match[5])
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined
  return { address: octets.join('.'), prefix }
}

function toNumber(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0)
}

/** Whether `address` (no prefix) lies inside `subnet` (CIDR). */
export function inSubnet(address: string, subnet: string): boolean {
  const net = parseCidr(subnet)
  if (net === undefined) return false
  const size = 2 ** (32 - net.prefix)
  const base = Math.floor(toNumber(net.address) / size) * size
  const value = toNumber(address)
  return value >= base && value < base + size
}

/**
 * Checks a topology before anything is created, so a mistake costs no namespace.
 *
 * @throws {LabCommandError} naming the first bad field
 */
export function validateTopology(topology: Topology): void {
  const fail = (message: string): never => {
    throw new LabCommandError(`topology "${topology.name}": ${message}`)
  }
  const segments = new Map<string, SegmentSpec>()
  for (const segment of topology.segments) {
    if (!NAME.test(segment.name)) fail(`segment name "${segment.name}" must match ${NAME}`)
    if (segments.has(segment.name)) fail(`segment "${segment.name}" is declared twice`)
    if (parseCidr(segment.subnet) === undefined)
      fail(`segment "${segment.name}": subnet "${segment.subnet}" is not a.b.c.d/n`)
    const loss = segment.lossPercent
    if (loss !== undefined && !(Number.isFinite(loss) && loss >= 0 && loss <= 100))
      fail(`segment "${segment.name}": lossPercent ${loss} is not within 0-100`)
    segments.set(segment.name, segment)
  }
  const hosts = new Set<string>()
  const addresses = new Set<string>()
  for (const host of topology.hosts) {
    if (!NAME.test(host.name)) fail(`host name "${host.name}" must match ${NAME}`)
    if (host.name === 'switch') fail('host name "switch" is the lab\'s own')
    if (hosts.has(host.name)) fail(`host "${host.name}" is declared twice`)
    hosts.add(host.name)
    for (const iface of host.interfaces) {
      const segment = segments.get(iface.segment)
      if (segment === undefined) fail(`host "${host.name}": unknown segment "${iface.segment}"`)
      const parsed = parseCidr(iface.address)
      if (parsed === undefined)
        fail(`host "${host.name}": address "${iface.address}" is not a.b.c.d/n`)
      else {
        if (!inSubnet(parsed.address, segment!.subnet))
          fail(`host "${host.name}": ${parsed.address} is outside ${segment!.subnet}`)
        if (addresses.has(parsed.address)) fail(`address ${parsed.address} is used twice`)
        addresses.add(parsed.address)
      }
    }
    if (
      host.gateway !== undefined &&
      !host.interfaces.some((iface) => inSubnet(host.gateway!, segments.get(iface.segment)!.subnet))
    )
      fail(`host "${host.name}": gateway ${host.gateway} is on none of its segments`)
  }
}
