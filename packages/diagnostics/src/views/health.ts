import type { Reachability } from '../source.js'
import { renderRows } from './render.js'
import { finite } from './view.js'
import type { View } from './view.js'

/** Body of `GET /debug/p2p/health`. */
export interface HealthResponse {
  host_id: string
  num_peers: number
  num_conns: number
  reachability: Reachability
  autoNAT_status: Reachability
  relay_stats: {
    enabled: boolean
    server: boolean
    reservations: number
  }
  mdns: {
    enabled: boolean
    available: boolean
  }
}

export const health: View<HealthResponse> = {
  path: '/debug/p2p/health',
  description: 'reachability, AutoNAT, relay and mDNS; unhealthy without peers',
  required: {
    host_id: 'string',
    num_peers: 'number',
    num_conns: 'number',
    reachability: 'string',
    autoNAT_status: 'string',
    'relay_stats.enabled': 'boolean',
  },
  fromSnapshot: (snapshot) => {
    const { health: h } = snapshot
    return {
      host_id: snapshot.hostId,
      num_peers: snapshot.peerIds.length,
      num_conns: finite(snapshot.connections),
      reachability: h.reachability,
      autoNAT_status: h.autoNATStatus,
      relay_stats: {
        enabled: h.relay.enabled,
        server: h.relay.server,
        reservations: finite(h.relay.reservations),
      },
      mdns: { enabled: h.mdns.enabled, available: h.mdns.available },
    }
  },
  render: renderRows,
  // An isolated node answers, but it is cut off from the network.
  unhealthy: (body) => (body.num_peers === 0 ? 'no connected peers' : undefined),
}
