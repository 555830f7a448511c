/**
 * Reachability from libp2p's public state: the address manager's addresses with their
 * verification metadata, which AutoNAT v2 confirms (`verified`) or rejects (`verified: false`
 * with a retry time in `expires`). Nothing here wraps a private method of a service, so an
 * upstream rename cannot silently freeze the verdict.
 */

import { isNetworkAddress, isPrivate } from '@libp2p/utils'
import type { Reachability } from './snapshot.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One address as libp2p's address manager reports it (`getAddressesWithMetadata()`). */
export interface AddressWithMetadata {
  multiaddr: Multiaddr
  /** Confirmed dialable from outside (or private, which libp2p does not verify). */
  verified: boolean
  /** Until when the verdict holds; 0 while an address was never checked. */
  expires: number
}

export interface ReachabilityVerdict {
  /** `public` once a direct public address is verified, `private` once AutoNAT rejected all. */
  reachability: Reachability
  /** What AutoNAT concluded (`unknown` while it has no verdict or is disabled). */
  autoNATStatus: Reachability
}

/** A direct (not relayed) address on a public network. */
function isDirectPublic(ma: Multiaddr): boolean {
  return (
    isNetworkAddress(ma) &&
    isPrivate(ma) === false &&
    !ma.getComponents().some((c) => c.name === 'p2p-circuit')
  )
}

/**
 * The node's reachability from its addresses. A public address that AutoNAT confirmed makes the
 * node public; when every public address it knows was checked and rejected, it is private;
 * otherwise (no public address, or none checked yet) unknown.
 */
export function reachabilityOf(
  addresses: readonly AddressWithMetadata[],
  autonat: boolean,
): ReachabilityVerdict {
  const candidates = addresses.filter(({ multiaddr }) => isDirectPublic(multiaddr))
  const verdict: Reachability = candidates.some(({ verified }) => verified)
    ? 'public'
    : candidates.length > 0 && candidates.every(({ verified, expires }) => !verified && expires > 0)
      ? 'private'
      : 'unknown'
  return {
    // a verified public address is public whoever verified it; `private` needs AutoNAT's word
    reachability: verdict === 'public' || autonat ? verdict : 'unknown',
    autoNATStatus: autonat ? verdict : 'unknown',
  }
}
