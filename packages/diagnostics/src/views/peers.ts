import { renderWithList } from './render.js'
import type { View } from './view.js'

/** Body of `GET /debug/p2p/peers`. */
export interface PeersResponse {
  peers: number
  peer_ids: string[]
}

export const peers: View<PeersResponse> = {
  path: '/debug/p2p/peers',
  description: 'connected peers and their peer IDs',
  required: { peers: 'number', peer_ids: 'array' },
  fromSnapshot: (snapshot) => ({ peers: snapshot.peerIds.length, peer_ids: [...snapshot.peerIds] }),
  render: ({ peer_ids: peerIds, ...rest }) => renderWithList(rest, 'peer_ids', peerIds),
}
