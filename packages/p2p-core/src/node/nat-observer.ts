/**
 * NAT detection from what peers see. Identify tells each peer's view of the address a connection
 * came from. When a peer on a direct connection sees a public IP that none of the node's own
 * interfaces has, something between them translated the address: the node is behind a NAT, and
 * that IP is the NAT's outside address.
 *
 * AutoNAT alone cannot say so for a js-libp2p node on TCP: identify drops observed TCP addresses
 * (libp2p/js-libp2p#2620), so a node behind a NAT has no public address for AutoNAT to reject,
 * and AutoNAT v2 needs failed dial-backs from eight different /8 networks before it rejects one.
 *
 * For each outside IP it learns, the observer offers libp2p an IP mapping of the node's TCP
 * listen port on that IP (`addPublicAddressMapping`, as a UPnP mapping would): AutoNAT v2 then
 * checks it, so a router that forwards the port (or a cloud VM's one-to-one NAT) turns into a
 * verified public address. libp2p announces such a mapping only once it is verified.
 */

import { getNetConfig, isNetworkAddress, isPrivate } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { isRelayed } from '../reachability.js'
import type { Logger } from '../logger.js'
import type { AddressWithMetadata } from '../reachability.js'
import type { IdentifyResult } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** What the node knows of a NAT in front of it. */
export interface NatFacts {
  /** A peer on a direct connection saw a public IP that none of the node's interfaces has. */
  behindNat: boolean
  /** The public IPs peers saw that are not the node's own, most recent first. */
  externalIps: string[]
  /** How many distinct peers saw one of them. */
  observedBy: number
  /** Unix ms of the first such observation since start. */
  since: number | null
}

/** The parts of the address manager the observer uses. */
export interface NatAddressManager {
  getAddressesWithMetadata(): AddressWithMetadata[]
  addPublicAddressMapping(
    internalIp: string,
    internalPort: number,
    externalIp: string,
    externalPort?: number,
    protocol?: 'tcp' | 'udp',
  ): void
}

/** Peers whose observations are kept: the most recent ones; enough to see a NAT change. */
const MAX_OBSERVERS = 64

interface Observation {
  ip: string
  at: number
}

function hostOf(ma: Multiaddr): { ip: string; port: number; tcp: boolean } | undefined {
  try {
    const config = getNetConfig(ma)
    if (config.type !== 'ip4' && config.type !== 'ip6') return undefined
    return {
      ip: config.host,
      port: config.port ?? 0,
      tcp: ma.getComponents().some((c) => c.name === 'tcp'),
    }
  } catch {
    return undefined
  }
}

export class NatObserver {
  /** By peer ID, oldest first (re-inserted on each observation). */
  private readonly observations = new Map<string, Observation>()
  /** Outside IPs already offered to libp2p as mappings of the listen port. */
  private readonly mapped = new Set<string>()
  private since: number | null = null

  constructor(
    private readonly addressManager: NatAddressManager,
    private readonly log: Logger,
  ) {}

  reset(): void {
    this.observations.clear()
    this.since = null
  }

  /** Reads one identify result; only direct connections with a public observed IP count. */
  observe(result: Pick<IdentifyResult, 'peerId' | 'observedAddr' | 'connection'>): void {
    const { observedAddr, connection } = result
    if (observedAddr === undefined || isRelayed(connection.remoteAddr)) return
    let observed: Multiaddr
    try {
      // a peer sends bytes; a malformed address is its problem, never ours
      observed = multiaddr(observedAddr.toString())
    } catch {
      return
    }
    if (!isNetworkAddress(observed) || isPrivate(observed) !== false) return
    const seen = hostOf(observed)
    if (seen === undefined) return
    const own = this.ownAddresses()
    if (own.some(({ ip }) => ip === seen.ip)) return

    const peer = result.peerId.toString()
    const now = Date.now()
    this.observations.delete(peer)
    this.observations.set(peer, { ip: seen.ip, at: now })
    if (this.observations.size > MAX_OBSERVERS) {
      const oldest = this.observations.keys().next().value
      if (oldest !== undefined) this.observations.delete(oldest)
    }
    this.since ??= now
    if (!this.mapped.has(seen.ip)) {
      this.mapped.add(seen.ip)
      this.log.info(
        'behind a NAT: a peer sees this node at an address none of its interfaces has',
        {
          external_ip: seen.ip,
          peer,
        },
      )
      this.offerMappings(seen.ip, own)
    }
  }

  facts(): NatFacts {
    const ips: string[] = []
    for (const { ip } of [...this.observations.values()].reverse()) {
      if (!ips.includes(ip)) ips.push(ip)
    }
    return {
      behindNat: this.observations.size > 0,
      externalIps: ips,
      observedBy: this.observations.size,
      since: this.since,
    }
  }

  /** The node's own interface addresses (the transport's listen addresses, expanded). */
  private ownAddresses(): Array<{ ip: string; port: number; tcp: boolean }> {
    const own: Array<{ ip: string; port: number; tcp: boolean }> = []
    for (const address of this.addressManager.getAddressesWithMetadata()) {
      if (address.type !== 'transport' || isRelayed(address.multiaddr)) continue
      const host = hostOf(address.multiaddr)
      if (host !== undefined) own.push(host)
    }
    return own
  }

  /** The listen port of each private TCP address, mapped to the same port on `externalIp`. */
  private offerMappings(
    externalIp: string,
    own: ReadonlyArray<{ ip: string; port: number; tcp: boolean }>,
  ): void {
    const family = externalIp.includes(':') ? 6 : 4
    for (const { ip, port, tcp } of own) {
      if (!tcp || port === 0 || (ip.includes(':') ? 6 : 4) !== family) continue
      const internal = multiaddr(`/ip${family}/${ip}/tcp/${port}`)
      if (isPrivate(internal) !== true || ip === '127.0.0.1' || ip === '::1') continue
      try {
        this.addressManager.addPublicAddressMapping(ip, port, externalIp, port, 'tcp')
      } catch (err) {
        this.log.debug('could not offer the outside address for AutoNAT to check', {
          external_ip: externalIp,
          error: err instanceof Error ? err.message : String(err),
        })
      }
    }
  }
}
