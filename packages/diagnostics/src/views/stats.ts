import { renderRows } from './render.js'
import { finite } from './view.js'
import type { BandwidthSnapshot } from '../source.js'
import type { View } from './view.js'

/** Bytes and rates, on the wire (`bandwidth`) or of one protocol's streams. */
export interface StatsBytes {
  in_rate_bps: number
  out_rate_bps: number
  in_total_bytes: number
  out_total_bytes: number
}

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
}

function statsBytes(bytes: BandwidthSnapshot): StatsBytes {
  return {
    in_rate_bps: finite(bytes.inRateBytesPerSecond),
    out_rate_bps: finite(bytes.outRateBytesPerSecond),
    in_total_bytes: finite(bytes.inTotalBytes),
    out_total_bytes: finite(bytes.outTotalBytes),
  }
}

export const stats: View<StatsResponse> = {
  path: '/debug/p2p/stats',
  description: 'peers, connections, host ID, bandwidth, listen addresses and bytes by protocol',
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
  }),
  render: renderRows,
}
