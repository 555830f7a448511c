/**
 * One consistent read of a running node. Structurally identical to `DiagnosticsSnapshot` of
 * `@wes/diagnostics`, so a node's `snapshot` method can back the diagnostics directly.
 */

import type { DialErrorClass } from './dial-error.js'
import type { HolePunchFacts } from './node/hole-punch.js'
import type { NatFacts } from './node/nat-observer.js'
import type { InboundRefusalFacts } from './network/index.js'
import type { DhtMode, HealthOptions } from './options.js'

/** `"public" | "private" | "unknown"`, as AutoNAT reports it. */
export type Reachability = 'public' | 'private' | 'unknown'

export interface NodeSnapshot {
  /** The node's own peer ID. */
  hostId: string
  /** Distinct connected peers. */
  peerIds: string[]
  /** Open connections (a peer may have several). */
  connections: number
  /** The node's listen multiaddrs, with `/p2p/<peer id>`. */
  listenAddrs: string[]
  bandwidth: {
    /** Bytes received on the wire since the node started (after encryption and framing). */
    inTotalBytes: number
    /** Bytes sent on the wire since the node started. */
    outTotalBytes: number
    /** Inbound bytes per second over the recent window (10 s). */
    inRateBytesPerSecond: number
    /** Outbound bytes per second over the recent window. */
    outRateBytesPerSecond: number
  }
  /**
   * Stream bytes by protocol (payload after protocol negotiation, without the muxer's and
   * encrypter's framing), totals and rates like `bandwidth`: every protocol the node serves, at 0
   * until used, and `other` for streams of any other protocol (ones the node opens to protocols
   * it does not serve).
   */
  protocols: Record<string, NodeSnapshot['bandwidth']>
  /**
   * Connected peers by the agent they announced in identify (`agentVersion`, cut to 128
   * characters), e.g. `{ "kubo/0.29.0/3f0947b": 2 }`; peers that have not told theirs (yet) are
   * left out. The keys are the peers' own strings: never use them as metric labels as they are.
   */
  agents: Readonly<Record<string, number>>
  health: {
    /** `public` once AutoNAT (or a verified mapping) confirmed a public address. */
    reachability: Reachability
    /** The verdict of the AutoNAT service (`unknown` while it has none, or when it is disabled). */
    autoNATStatus: Reachability
    relay: {
      /** Circuit relay v2 transport (client) enabled. */
      enabled: boolean
      /** Serving as a relay for others. */
      server: boolean
      /** Relay reservations this node holds on other relays. */
      reservations: number
    }
    mdns: {
      /** mDNS enabled in the configuration. */
      enabled: boolean
      /** mDNS is running: its socket is bound and joined the multicast group. */
      available: boolean
    }
  }
  routing: {
    /** Peers in the kad-dht routing table. */
    routingTableSize: number
    /** The configured DHT mode. */
    mode: DhtMode
    /** The mode the DHT is in right now. */
    currentMode: 'client' | 'server'
    /** Number of configured bootstrap peers. */
    bootstrapPeers: number
  }
  /** What the health verdict reads beyond the counts above. */
  facts: HealthFacts
}

/** The thresholds of the health verdict: `discovery.minPeers` and the `health` options. */
export interface HealthThresholds extends HealthOptions {
  /** Fewer connected peers than this is `below_min_peers`. */
  minPeers: number
}

/** A configured bootstrap peer (never the node itself) and how its last dial ended. */
export interface BootstrapPeerFacts {
  peerId: string
  /** The configured multiaddr, with `/p2p/<peer id>`. */
  multiaddr: string
  /** Connected now, whoever dialled. */
  connected: boolean
  /** How the last dial of the bootstrap mechanism ended; null before one ended. */
  lastOutcome: 'success' | 'failure' | null
  /** Unix ms when that dial ended. */
  lastDialAt: number | null
  /** The class of the last failure, while the last dial failed. */
  errorClass: DialErrorClass | null
  /** The last failure in one line, while the last dial failed. */
  error: string | null
  /** Unix ms of the first failure of the current run of failures. */
  failingSince: number | null
}

/** The mDNS probe: its socket and the answers it heard. */
export interface MdnsFacts {
  /** `off` when disabled, `up` when bound and joined, `failed`, or `starting` while neither. */
  state: 'off' | 'starting' | 'up' | 'failed'
  /** Why the socket failed, when it did. */
  failure: string | null
  /** mDNS responses from other hosts (never this node's own) since start. */
  responses: number
  /** Unix ms of the last of them. */
  lastResponseAt: number | null
}

/** One of the node's addresses, from the address manager. */
export interface AddressFacts {
  /** With `/p2p/<peer id>`. */
  multiaddr: string
  /** Confirmed reachable (true), rejected by AutoNAT (false), or never checked (null). */
  reachable: boolean | null
  /** Unix ms of the check that confirmed it; null for private addresses, which are not checked. */
  verifiedAt: number | null
  /** Where libp2p has it from: `transport`, `observed`, `announce`, `ip-mapping`, `dns-mapping`. */
  type: string
  /** `private` (LAN, loopback), `public`, or `relay` (through a circuit relay). */
  scope: 'public' | 'private' | 'relay'
}

/** The facts of the health verdict. */
export interface HealthFacts {
  /** Unix ms when the node (last) started. */
  startedAt: number
  thresholds: HealthThresholds
  /** Each configured bootstrap peer, in configuration order. */
  bootstrap: BootstrapPeerFacts[]
  mdns: MdnsFacts
  addresses: AddressFacts[]
  /** What peers see of the node: a NAT in front of it, and its outside IPs. */
  nat: NatFacts
  /** Hole punches (DCUtR) of relayed connections since start. */
  holePunch: HolePunchFacts
  relay: RelayFacts
  /** Inbound connections libp2p refused before their handshake, by reason, since start. */
  inboundRefused: InboundRefusalFacts
}

/** Circuit relay: the node's relayed connections, its reservations, and those it serves. */
export interface RelayFacts {
  /** Open connections through a relay (`/p2p-circuit`). */
  relayedConnections: number
  /** Reservations made on relays since start. */
  reservationsCreated: number
  /** Reservations lost since start (the relay went away, or the reservation expired). */
  reservationsRemoved: number
  /** Reservations this node serves as a relay now; null when it is no relay server. */
  serverReservations: number | null
}

export type { HolePunchFacts, HolePunchResult } from './node/hole-punch.js'
export type { NatFacts } from './node/nat-observer.js'
