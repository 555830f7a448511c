import { renderRows } from './render.js'
import { finite } from './view.js'
import type { View } from './view.js'

/** Body of `GET /debug/p2p/stats`. */
export interface StatsResponse {
  peers: number
  connections: number
  host_id: string
  bandwidth: {
    in_rate_bps: number
    out_rate_bps: number
    in_total_bytes: number
    out_total_bytes: number
  }
  /** Extra: the node's listen multiaddrs. */
  listen_addrs: string[]
}

export const stats: View<StatsResponse> = {
  path: '/debug/p2p/stats',
  description: 'peers, connections, host ID, bandwidth and listen addresses',
  required: {
    peers: 'number',
    connections: 'number',
    host_id: 'string',
    'bandwidth.in_rate_bps': 'number',
    'bandwidth.out_rate_bps': 'number',
    'bandwidth.in_total_bytes': 'number',
    'bandwidth.out_total_bytes': 'number',
  },
  fromSnapshot: (snapshot) => {
    const { bandwidth } = snapshot
    return {
      peers: snapshot.peerIds.length,
      connections: finite(snapshot.connections),
      host_id: snapshot.hostId,
      bandwidth: {
        in_rate_bps: finite(bandwidth.inRateBytesPerSecond),
        out_rate_bps: finite(bandwidth.outRateBytesPerSecond),
        in_total_bytes: finite(bandwidth.inTotalBytes),
        out_total_bytes: finite(bandwidth.outTotalBytes),
      },
      listen_addrs: [...snapshot.listenAddrs],
    }
  },
  render: renderRows,
}
