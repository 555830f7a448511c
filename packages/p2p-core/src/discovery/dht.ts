/**
 * The DHT mechanism: peers learnt from kad-dht, the closer peers in the answers to its queries
 * (the self-query at start and every 5 minutes, routing-table refreshes, lookups); the same finds
 * libp2p turns into `peer:discovery`. kad-dht contacts a learnt peer only when a query needs it;
 * this dials learnt peers while the node has fewer than `minPeers`, so a node that knows one
 * bootstrap peer grows its own set of peers. Dials in flight count as peers, so the burst of
 * finds in one answer does not overshoot.
 */

import { peerEventDiscovery } from './peer-events.js'
import type { DiscoveryMechanism } from './mechanism.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/** The DHT mechanism over the kad-dht service's peer discovery events. */
export function dhtDiscovery(dht: TypedEventTarget<PeerDiscoveryEvents>): DiscoveryMechanism {
  return peerEventDiscovery({
    name: 'dht',
    events: dht,
    shouldDial: (context) =>
      context.libp2p.getPeers().length + context.dialsInFlight() < context.minPeers,
  })
}
