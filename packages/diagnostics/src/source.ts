/**
 * What the diagnostics package reads from a p2p node. It never imports libp2p or
 * `@wes/p2p-core`: the application adapts its node to these small structural types.
 */

import type { DetailsSource } from './details.js'
import type { DiscoveryCounts } from './discovery-totals.js'

/** `"public" | "private" | "unknown"`, as AutoNAT reports it. */
export type Reachability = 'public' | 'private' | 'unknown'

/** The configured kad-dht mode. */
export type DhtMode = 'auto' | 'client' | 'server'

export interface BandwidthSnapshot {
  /** Bytes received on the wire since the node started (after encryption and framing). */
  inTotalBytes: number
  /** Bytes sent on the wire since the node started. */
  outTotalBytes: number
  /** Inbound bytes per second over the recent window (at most 10 s). */
  inRateBytesPerSecond: number
  /** Outbound bytes per second over the recent window. */
  outRateBytesPerSecond: number
}

export interface HealthSnapshot {
  /** Whether the node has a confirmed public address. */
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
    /** mDNS is running (false when enabled but multicast is not available). */
    available: boolean
  }
}

export interface RoutingSnapshot {
  /** Peers in the kad-dht routing table. */
  routingTableSize: number
  /** The configured DHT mode. */
  mode: DhtMode
  /** The mode the DHT is in right now (`auto` resolves to one of these). */
  currentMode: 'client' | 'server'
  /** Number of configured bootstrap peers. */
  bootstrapPeers: number
}

/**
 * Why a dial failed: nothing listens (`refused`), nothing answers (`timeout`), no way there
 * (`no_route`), something answers but not as the expected peer (`handshake`), the node's own
 * connection gater said no (`denied`), cancelled (`aborted`), or `other`.
 */
export type DialErrorClass =
  'refused' | 'timeout' | 'no_route' | 'handshake' | 'denied' | 'aborted' | 'other'

/** The thresholds of the health verdict, as the node is configured. */
export interface HealthThresholds {
  /** Fewer connected peers than this is `below_min_peers`. */
  minPeers: number
  /** Every bootstrap peer failing longer than this (ms) is `bootstrap_unreachable`. */
  bootstrapFailingMs: number
  /** mDNS up and no answer from another host for longer than this (ms) is `mdns_no_responses`. */
  mdnsSilentMs: number
  /** Time after start (ms) from which an empty routing table with peers is `routing_table_empty`. */
  routingGraceMs: number
  /** Peers `/readyz` needs; 0 asks only that the node runs. */
  readyMinPeers: number
}

/** A configured bootstrap peer and how its last dial ended; times in Unix ms. */
export interface BootstrapPeerFacts {
  peerId: string
  multiaddr: string
  /** Connected now, whoever dialled. */
  connected: boolean
  lastOutcome: 'success' | 'failure' | null
  lastDialAt: number | null
  /** While the last dial failed: its class, the error in one line, the first failure of the run. */
  errorClass: DialErrorClass | null
  error: string | null
  failingSince: number | null
}

/** The mDNS probe. */
export interface MdnsFacts {
  state: 'off' | 'starting' | 'up' | 'failed'
  /** Why the socket failed. */
  failure: string | null
  /** mDNS responses from other hosts since start. */
  responses: number
  /** Unix ms of the last of them. */
  lastResponseAt: number | null
}

/** One of the node's addresses. */
export interface AddressFacts {
  multiaddr: string
  /** Confirmed reachable (true), rejected by AutoNAT (false), never checked (null). */
  reachable: boolean | null
  /** Unix ms of the check that confirmed it; null for private addresses (not checked). */
  verifiedAt: number | null
  /** libp2p's origin of the address: `transport`, `observed`, `ip-mapping`, ... */
  type: string
  scope: 'public' | 'private' | 'relay'
}

/** What peers see of the node: a NAT in front of it. */
export interface NatFacts {
  /** A peer on a direct connection saw a public IP that none of the node's interfaces has. */
  behindNat: boolean
  /** Those public IPs, most recent first. */
  externalIps: string[]
  /** How many distinct peers saw one of them. */
  observedBy: number
  /** Unix ms of the first such observation. */
  since: number | null
}

/** How one hole punch (DCUtR) of a relayed connection ended. */
export interface HolePunchResult {
  /** 1 for the first result since start, then 2, ... */
  seq: number
  peerId: string
  outcome: 'success' | 'failure'
  /** `no_public_address` (neither side had one to dial) or `no_direct_connection`; null on success. */
  cause: 'no_public_address' | 'no_direct_connection' | null
  /** Unix ms when it ended. */
  at: number
  durationMs: number
  /** The direct connection's remote address, on success. */
  address: string | null
}

/** Hole punches since start. */
export interface HolePunchFacts {
  enabled: boolean
  attempts: number
  successes: number
  failures: number
  /** Attempts waiting for an outcome. */
  pending: number
  last: HolePunchResult | null
  /** The last results, oldest first (the metrics read each once). */
  recent: HolePunchResult[]
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

/** Inbound connections libp2p refused before their handshake, since the node started. */
export interface InboundRefusalFacts {
  /** The pending-handshake limit in force (`--max-inbound-pending`). */
  maxPending: number
  /** The connection limit in force (`--max-connections`). */
  maxConnections: number
  /**
   * By reason (`pending_limit`, `rate_limit`, `max_connections`, `denied`): how many, and the
   * Unix ms of the last.
   */
  reasons: Record<string, { count: number; lastAt: number | null }>
}

/** What the health verdict reads beyond the counts of the snapshot. */
export interface HealthFacts {
  /** Unix ms when the node started. */
  startedAt: number
  thresholds: HealthThresholds
  bootstrap: BootstrapPeerFacts[]
  mdns: MdnsFacts
  addresses: AddressFacts[]
  /** Absent from sources older than NAT detection. */
  nat?: NatFacts
  /** Absent from sources older than hole-punch tracking. */
  holePunch?: HolePunchFacts
  /** Absent from sources older than relay tracking. */
  relay?: RelayFacts
  /** Absent from sources older than refusal counting. */
  inboundRefused?: InboundRefusalFacts
}

/** One consistent read of a running node. */
export interface DiagnosticsSnapshot {
  /** The node's own peer ID. */
  hostId: string
  /** Distinct connected peers. */
  peerIds: string[]
  /** Open connections (a peer may have several). */
  connections: number
  /** The node's listen multiaddrs. */
  listenAddrs: string[]
  bandwidth: BandwidthSnapshot
  /**
   * Stream bytes by protocol: the node's own protocols and `other`, the stream payload after
   * protocol negotiation (without framing). Absent from sources older than per-protocol counting.
   */
  protocols?: Record<string, BandwidthSnapshot>
  /**
   * Connected peers by the agent they announced in identify (the peers' own strings, so never a
   * label as they are); peers that announced none are left out. Absent from older sources. A
   * source may return the same (frozen) object while the counts stay: readers never change it.
   */
  agents?: Readonly<Record<string, number>>
  health: HealthSnapshot
  routing: RoutingSnapshot
  /**
   * The discovery counts the `p2p_discovery_*` metrics read (`withDiscoveryCounts` adds them).
   * Absent from sources older than the counts in the stats view.
   */
  discovery?: DiscoveryCounts
  /**
   * The facts of the health verdict. Without them the verdict reads only the fields above (peers,
   * reachability, relay, mDNS) with `DEFAULT_HEALTH_THRESHOLDS` (verdict.ts).
   */
  facts?: HealthFacts
}

/**
 * The state the diagnostics read. The detail methods of {@link DetailsSource} are optional: a
 * source without one answers that verbose view with 501 `not_implemented`.
 */
export interface DiagnosticsSource extends DetailsSource {
  /**
   * The current state, or `undefined` while the host is not running (before start, after
   * stop): routes then answer 503. Called on each request and once per scrape, so it must be
   * cheap and side-effect free.
   */
  snapshot(): DiagnosticsSnapshot | undefined
}

/** One dial a discovery mechanism caused, reported once when it ended. */
export interface DiscoveryDialEvent {
  /** The mechanism that caused the dial (`bootstrap`, `mdns`, `dht`, ...). */
  mechanism: string
  /** The dialled peer (never a label value). */
  peerId: string
  /** `success` or `failure`. */
  outcome: string
  /** Why the dial failed. */
  error?: Error
}

/**
 * Events of the discovery service that the metrics count. The node's discovery service calls
 * these (`setDiagnosticsCallbacks`); every member is optional.
 */
export interface DiscoveryCallbacks {
  /** Every dial any discovery mechanism caused, once it ended. */
  onDial?(event: DiscoveryDialEvent): void
  /** A dial of a configured bootstrap peer begins. */
  onBootstrapAttempt?(peerId: string): void
  /** That dial produced a connection. */
  onBootstrapSuccess?(peerId: string): void
  /** That dial failed. */
  onBootstrapFailure?(peerId: string, error: Error): void
  /**
   * mDNS found a peer (never self): it answered while neither connected nor heard from within
   * its record's TTL.
   */
  onMdnsPeerFound?(peerId: string): void
  /** A peer answered mDNS (never self): every answer, a find or not. */
  onMdnsResponse?(peerId: string): void
  /** A dial to an mDNS-found peer connected. */
  onMdnsConnectSuccess?(peerId: string): void
  /** A dial to an mDNS-found peer failed. */
  onMdnsConnectFail?(peerId: string, error: Error): void
}

/** A connection that opened: `inbound` or `outbound`, over `tcp`, `circuit-relay` or `other`. */
export interface ConnectionOpenEvent {
  direction: string
  transport: string
}

/** A connection that closed, what ended it and how long it lasted. */
export interface ConnectionCloseEvent extends ConnectionOpenEvent {
  /** `local`, `remote`, `reset`, `timeout` or `error`. */
  reason: string
  durationMs: number
}

/** An outbound dial of the node that ended, whoever asked for it. */
export interface DialEndEvent {
  /** `success` or `failure`. */
  outcome: string
  durationMs: number
  /** Why it failed: one of the {@link DialErrorClass} classes. */
  errorClass?: string
}

/** One of the node's own pings and its round trip. */
export interface PingEvent {
  rttMs: number
}

/**
 * Events of the node's network that the metrics count. The node calls these
 * (`node.network.setDiagnosticsCallbacks`); every member is optional, and values outside the
 * metrics' fixed label sets are not counted.
 */
export interface NetworkCallbacks {
  onConnectionOpen?(event: ConnectionOpenEvent): void
  onConnectionClose?(event: ConnectionCloseEvent): void
  onDialEnd?(event: DialEndEvent): void
  onPing?(event: PingEvent): void
  /** libp2p refused an inbound connection before its handshake; `reason` as the metric's. */
  onInboundRefused?(event: { reason: string }): void
}
