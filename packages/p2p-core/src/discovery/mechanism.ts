/**
 * The shape every discovery mechanism has (bootstrap, mDNS, the DHT, ...): a name, start/stop,
 * and a context through which it dials, so that every dial it causes is reported exactly once as
 * a {@link DiscoveryDialEvent}.
 */

import type { Logger } from '../logger.js'
import type { Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** How a dial ended. */
export type DialOutcome = 'success' | 'failure'

/** One dial a mechanism caused, reported once when it ends. */
export interface DiscoveryDialEvent {
  /** The mechanism that caused the dial: `bootstrap`, `mdns`, `dht`, ... */
  mechanism: string
  /** The dialled peer. */
  peerId: string
  outcome: DialOutcome
  /** Why the dial failed; set when `outcome` is `failure`. */
  error?: Error
}

/** What a mechanism may use of libp2p. */
export type DiscoveryLibp2p = Pick<
  Libp2p,
  'peerId' | 'dial' | 'getConnections' | 'getPeers' | 'addEventListener' | 'removeEventListener'
>

/** What the discovery service hands a mechanism on each start. */
export interface DiscoveryContext {
  readonly libp2p: DiscoveryLibp2p
  /** Aborted when the service stops: remove listeners and timers then. */
  readonly signal: AbortSignal
  /** The discovery logger; dial results are already logged by the service. */
  readonly log: Logger
  /** Below this many connected peers the node wants more. */
  readonly minPeers: number
  /** The node has an open connection to `peerId`. */
  isConnected(peerId: PeerId): boolean
  /** A dial of this mechanism to `peerId` is in flight. */
  isDialing(peerId: string): boolean
  /** Dials of this mechanism in flight. */
  dialsInFlight(): number
  /**
   * A peer answered the mechanism (never the node itself): every answer, a find or not. mDNS
   * peers answer each query, about every 10 s.
   */
  answered(peerId: string): void
  /** The mechanism learnt of a peer (never the node itself). */
  found(peerId: string): void
  /**
   * Dials `target` on behalf of the mechanism, bounded by the dial timeout and aborted by stop,
   * and reports the outcome once. Resolves with that report, or `undefined` when the service
   * stopped meanwhile (nothing is reported then).
   */
  dial(
    peerId: string,
    target: Multiaddr | Multiaddr[] | PeerId,
  ): Promise<DiscoveryDialEvent | undefined>
}

/** A way of finding peers to dial. Implementations live in this folder, one file each. */
export interface DiscoveryMechanism {
  /**
   * The `mechanism` of its dial events. The metrics count a fixed set of names
   * (`DISCOVERY_MECHANISMS` in `@wes/diagnostics` metrics.ts): a new name is counted once it is
   * added there.
   */
  readonly name: string
  /** Starts listening or dialling; called once per start of the service. */
  start(context: DiscoveryContext): void
  /** Stops; the context's signal is aborted right after. Idempotent. */
  stop(): void
}

/** The addresses to dial a found peer on, each with `/p2p/<id>`, or its ID when it has none. */
export function dialTargetOf(info: PeerInfo): Multiaddr[] | PeerId {
  const id = info.id.toString()
  return info.multiaddrs.length > 0 ? info.multiaddrs.map((ma) => withPeerId(ma, id)) : info.id
}

function withPeerId(address: Multiaddr, id: string): Multiaddr {
  return address.getComponents().some((c) => c.name === 'p2p')
    ? address
    : address.encapsulate(`/p2p/${id}`)
}
