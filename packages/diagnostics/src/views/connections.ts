import { renderRows } from './render.js'
import { finite } from './view.js'
import type { View } from './view.js'

/** Body of `GET /debug/p2p/connections`. */
export interface ConnectionsResponse {
  connections: number
}

export const connections: View<ConnectionsResponse> = {
  path: '/debug/p2p/connections',
  description: 'open connections (a peer may have several)',
  required: { connections: 'number' },
  fromSnapshot: (snapshot) => ({ connections: finite(snapshot.connections) }),
  render: renderRows,
}
