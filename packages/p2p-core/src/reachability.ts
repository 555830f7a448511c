/**
 * Reachability from libp2p's public state: the address manager's addresses with their
 * verification metadata, which AutoNAT v2 confirms (`verified`) or rejects (`verified: false`
 * with a retry time in `expires`). Nothing here wraps a private method of a service, so an
 * upstream rename cannot silently freeze the verdict.
 */

import { isNetworkAddress, isPrivate } from '@libp2p/utils'
import type { AddressFacts, Reachability } from './snapshot.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One address as libp2p's address manager reports it (`getAddressesWithMetadata()`). */
export interface AddressWithMetadata {
  multiaddr: Multiaddr
  /** Confirmed dialable from outside (or private, which libp2p does not verify). */
  verified: boolean
  /** Until when the verdict holds; 0 while an address was never checked. */
  expires: number
  /** Where libp2p has it from: `transport`, `observed`, `announce`, `ip-mapping`, `dns-mapping`. */
  type?: string
  /** Unix ms of the last confirmation, when there was one. */
  lastVerified?: number
}

export interface ReachabilityVerdict {
  /**
   * `public` once a direct public address is verified; `private` once AutoNAT rejected all, or
   * behind a NAT with none verified.
   */
  reachability: Reachability
  /** What AutoNAT concluded (`unknown` while it has no verdict or is disabled). */
  autoNATStatus: Reachability
}

/** Answers of {@link isRelayed} by address: a multiaddr never changes. */
const relayedByAddress = new WeakMap<object, boolean>()

/**
 * Through a circuit relay (`/p2p-circuit`), not direct. Kept per address object: the scrape asks
 * it of every open connection, and `getComponents()` copies every component of the address.
 */
export function isRelayed(ma: { getComponents(): ReadonlyArray<{ name: string }> }): boolean {
  let relayed = relayedByAddress.get(ma)
  if (relayed === undefined) {
    relayed = ma.getComponents().some((c) => c.name === 'p2p-circuit')
    relayedByAddress.set(ma, relayed)
  }
  return relayed
}

/** A direct (not relayed) address on a public network. */
function isDirectPublic(ma: Multiaddr): boolean {
  return isNetworkAddress(ma) && isPrivate(ma) === false && !isRelayed(ma)
}

/**
 * The node's reachability from its addresses. A public address that AutoNAT confirmed makes the
 * node public. It is private when AutoNAT checked and rejected every public address it knows, or
 * when peers see it behind a NAT (`behindNat`, nat-observer.ts) and no public address of it is
 * verified: a forwarded port turns public as soon as AutoNAT confirms the mapped address.
 * Otherwise (no public address, or none checked yet) it is unknown.
 */
export function reachabilityOf(
  addresses: readonly AddressWithMetadata[],
  autonat: boolean,
  behindNat = false,
): ReachabilityVerdict {
  const candidates = addresses.filter(({ multiaddr }) => isDirectPublic(multiaddr))
  const autoNATVerdict: Reachability = candidates.some(({ verified }) => verified)
    ? 'public'
    : candidates.length > 0 && candidates.every(({ verified, expires }) => !verified && expires > 0)
      ? 'private'
      : 'unknown'
  // a verified public address is public whoever verified it; `private` needs AutoNAT's word or
  // the peers' sight of a NAT
  const reachability: Reachability =
    autoNATVerdict === 'public'
      ? 'public'
      : autonat && autoNATVerdict === 'private'
        ? 'private'
        : behindNat
          ? 'private'
          : 'unknown'
  return {
    reachability,
    autoNATStatus: autonat ? autoNATVerdict : 'unknown',
  }
}

/**
 * Each address with what is known of its reachability: `reachable` is true once confirmed (libp2p
 * counts private addresses reachable without a check), false once AutoNAT rejected it (unverified
 * with a retry time), null while never checked; `verifiedAt` is when a check confirmed it, null
 * for private addresses (never checked) and addresses no check confirmed. Each multiaddr ends in
 * `/p2p/<peerId>`, as the node announces it.
 */
export function addressFactsOf(
  addresses: readonly AddressWithMetadata[],
  peerId: string,
): AddressFacts[] {
  return addresses.map(({ multiaddr, verified, expires, type, lastVerified }) => {
    const scope = isRelayed(multiaddr)
      ? 'relay'
      : isPrivate(multiaddr) === true
        ? 'private'
        : 'public'
    const text = multiaddr.toString()
    return {
      // a relayed address ends in the relay's /p2p-circuit, and the node's own ID goes after it
      multiaddr: multiaddr.getComponents().at(-1)?.name === 'p2p' ? text : `${text}/p2p/${peerId}`,
      reachable: verified ? true : expires > 0 ? false : null,
      verifiedAt:
        scope === 'private' || lastVerified === undefined || lastVerified <= 0
          ? null
          : lastVerified,
      type: type ?? 'transport',
      scope,
    }
  })
}
