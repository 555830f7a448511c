/**
 * The mDNS mechanism: peers from the mDNS service's own `peer` events (not libp2p's
 * `peer:discovery`, which mixes every source). Every answer is reported as one; it is a find only
 * when the peer is new (see `mdns-finds.ts`); a peer that is not connected is dialled.
 */

import { createMdnsFinds } from './mdns-finds.js'
import { peerEventDiscovery } from './peer-events.js'
import type { DiscoveryMechanism } from './mechanism.js'
import type { MdnsFindsInit } from './mdns-finds.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

export interface MdnsDiscoveryInit extends MdnsFindsInit {
  /**
   * The TTL in milliseconds of the record of `peerId` in the answer being handled, when known
   * (the node's mDNS probe reads it from the packet).
   *
   * @default unknown: `defaultTtlMs`
   */
  recordTtlMs?: (peerId: string) => number | undefined
}

/** The mDNS mechanism over the mDNS service instance. */
export function mdnsDiscovery(
  mdns: TypedEventTarget<PeerDiscoveryEvents>,
  init: MdnsDiscoveryInit = {},
): DiscoveryMechanism {
  const finds = createMdnsFinds(init)
  return peerEventDiscovery({
    name: 'mdns',
    events: mdns,
    isFind: (info, connected) => {
      const peerId = info.id.toString()
      const ttlMs = init.recordTtlMs?.(peerId)
      return finds.answer(peerId, ttlMs === undefined ? { connected } : { connected, ttlMs })
    },
  })
}
