import { renderRows } from './render.js'
import { finite } from './view.js'
import { DISCOVERY_MECHANISMS } from '../discovery-totals.js'
import type {
  DiscoveryCounts,
  DiscoveryDialCounts,
  DiscoveryMechanism,
} from '../discovery-totals.js'
import type { BandwidthSnapshot } from '../source.js'
import type { View } from './view.js'

/** Bytes and rates, on the wire (`bandwidth`) or of one protocol's streams. */
export interface StatsBytes {
  in_rate_bps: number
  out_rate_bps: number
  in_total_bytes: number
  out_total_bytes: number
}

/**
 * The discovery counts since the node's process started, each the value of the metric its doc
 * comment names: `bootstrap` (attempts, successes), `mdns` (found, responses, connected, failed)
 * and `dials` by mechanism (connected, failed).
 */
export type StatsDiscovery = DiscoveryCounts

/** Body of `GET /debug/p2p/stats`. */
export interface StatsResponse {
  peers: number
  connections: number
  host_id: string
  bandwidth: StatsBytes
  /** Extra: the node's listen multiaddrs. */
  listen_addrs: string[]
  /**
   * Extra: stream bytes by protocol (payload after negotiation, without framing), for every
   * protocol the node serves and `other`; empty when the node does not count them.
   */
  protocols: Record<string, StatsBytes>
  /**
   * Extra: the discovery counts of the `p2p_discovery_*` metrics, read from the same count.
   * Absent from nodes older than it, and from sources without `withDiscoveryCounts`.
   */
  discovery?: StatsDiscovery
}

function statsBytes(bytes: BandwidthSnapshot): StatsBytes {
  return {
    in_rate_bps: finite(bytes.inRateBytesPerSecond),
    out_rate_bps: finite(bytes.outRateBytesPerSecond),
    in_total_bytes: finite(bytes.inTotalBytes),
    out_total_bytes: finite(bytes.outTotalBytes),
  }
}

function statsDiscovery(counts: DiscoveryCounts): StatsDiscovery {
  const dials = (mechanism: DiscoveryMechanism): DiscoveryDialCounts => ({
    connected: finite(counts.dials[mechanism].connected),
    failed: finite(counts.dials[mechanism].failed),
  })
  return {
    bootstrap: {
      attempts: finite(counts.bootstrap.attempts),
      successes: finite(counts.bootstrap.successes),
    },
    mdns: {
      found: finite(counts.mdns.found),
      responses: finite(counts.mdns.responses),
      connected: finite(counts.mdns.connected),
      failed: finite(counts.mdns.failed),
    },
    dials: Object.fromEntries(
      DISCOVERY_MECHANISMS.map((mechanism) => [mechanism, dials(mechanism)]),
    ) as Record<DiscoveryMechanism, DiscoveryDialCounts>,
  }
}

export const stats: View<StatsResponse> = {
  path: '/debug/p2p/stats',
  description: 'peers, connections, host ID, bandwidth, addresses, bytes by protocol, discovery',
  required: {
    peers: 'number',
    connections: 'number',
    host_id: 'string',
    'bandwidth.in_rate_bps': 'number',
    'bandwidth.out_rate_bps': 'number',
    'bandwidth.in_total_bytes': 'number',
    'bandwidth.out_total_bytes': 'number',
  },
  fromSnapshot: (snapshot) => ({
    peers: snapshot.peerIds.length,
    connections: finite(snapshot.connections),
    host_id: snapshot.hostId,
    bandwidth: statsBytes(snapshot.bandwidth),
    listen_addrs: [...snapshot.listenAddrs],
    protocols: Object.fromEntries(
      Object.entries(snapshot.protocols ?? {}).map(([protocol, bytes]) => [
        protocol,
        statsBytes(bytes),
      ]),
    ),
    ...(snapshot.discovery !== undefined ? { discovery: statsDiscovery(snapshot.discovery) } : {}),
  }),
  render: renderRows,
}
