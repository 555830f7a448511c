import type { DhtMode } from '../source.js'
import { renderRows } from './render.js'
import { finite } from './view.js'
import type { View } from './view.js'

/** Body of `GET /debug/p2p/routing`. */
export interface RoutingResponse {
  routing_table_size: number
  mode: DhtMode
  num_bootstrap_peers: number
  current_mode: 'client' | 'server'
}

export const routing: View<RoutingResponse> = {
  path: '/debug/p2p/routing',
  description: 'kad-dht routing table size, configured and current mode',
  required: { routing_table_size: 'number', mode: 'string', num_bootstrap_peers: 'number' },
  fromSnapshot: (snapshot) => {
    const { routing: r } = snapshot
    return {
      routing_table_size: finite(r.routingTableSize),
      mode: r.mode,
      num_bootstrap_peers: finite(r.bootstrapPeers),
      current_mode: r.currentMode,
    }
  },
  render: renderRows,
}
