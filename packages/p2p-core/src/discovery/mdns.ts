/**
 * The mDNS mechanism: peers from the mDNS service's own `peer` events (not libp2p's
 * `peer:discovery`, which mixes every source), each reported as found and dialled unless
 * connected.
 */

import { peerEventDiscovery } from './peer-events.js'
import type { DiscoveryMechanism } from './mechanism.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/** The mDNS mechanism over the mDNS service instance. */
export function mdnsDiscovery(mdns: TypedEventTarget<PeerDiscoveryEvents>): DiscoveryMechanism {
  return peerEventDiscovery({ name: 'mdns', events: mdns })
}
