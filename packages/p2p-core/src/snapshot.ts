/**
 * One consistent read of a running node. Structurally identical to `DiagnosticsSnapshot` of
 * `@wes/diagnostics`, so a node's `snapshot` method can back the diagnostics directly.
 */

import type { DhtMode } from './options.js'

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
}
