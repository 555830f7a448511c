/**
 * Which mDNS answers are finds. A peer answers every query (every 10 s with @libp2p/mdns), so a
 * counter of answers moves at the rate of queries, not of new peers. An answer is a find only when
 * the peer is not connected and was not heard from within the TTL of its last answer's record.
 * Each answer renews the peer's record, as in an mDNS cache, so a peer that keeps answering is
 * found once; one that went quiet for longer than its TTL is found again when it answers. Memory is
 * bounded: at most `maxPeers` records, the one heard from longest ago forgotten first.
 */

export interface MdnsFindsInit {
  /**
   * Peers remembered at most; beyond, expired records go first, then those heard from longest
   * ago (such a peer's next answer is a find again).
   *
   * @default 1024
   */
  maxPeers?: number
  /**
   * The TTL of a record whose own TTL is not known, in milliseconds: what @libp2p/mdns puts on
   * its records.
   *
   * @default 120_000
   */
  defaultTtlMs?: number
  /**
   * The clock, in milliseconds.
   *
   * @default Date.now
   */
  now?: () => number
}

export const DEFAULT_MDNS_FINDS_INIT: Required<Omit<MdnsFindsInit, 'now'>> = {
  maxPeers: 1024,
  defaultTtlMs: 120_000,
}

/** One answer of a peer. */
export interface MdnsAnswer {
  /** The node has an open connection to the peer now. */
  connected: boolean
  /**
   * The TTL of the answer's record, in milliseconds, when known. 0 is a goodbye (RFC 6762
   * 10.1): the peer is leaving, its record is dropped and the answer is no find.
   */
  ttlMs?: number
}

export interface MdnsFinds {
  /** Records an answer of `peerId`; true when it is a find. */
  answer(peerId: string, answer: MdnsAnswer): boolean
  /** Peers remembered now, expired records included until they are evicted. */
  readonly size: number
}

class DefaultMdnsFinds implements MdnsFinds {
  private readonly maxPeers: number
  private readonly defaultTtlMs: number
  private readonly now: () => number
  /** Peer ID to the Unix ms its record expires; in the order of the peers' last answers. */
  private readonly records = new Map<string, number>()

  constructor(init: MdnsFindsInit) {
    this.maxPeers = init.maxPeers ?? DEFAULT_MDNS_FINDS_INIT.maxPeers
    this.defaultTtlMs = init.defaultTtlMs ?? DEFAULT_MDNS_FINDS_INIT.defaultTtlMs
    this.now = init.now ?? Date.now
  }

  get size(): number {
    return this.records.size
  }

  answer(peerId: string, { connected, ttlMs = this.defaultTtlMs }: MdnsAnswer): boolean {
    const now = this.now()
    const expiresAt = this.records.get(peerId)
    const known = expiresAt !== undefined && expiresAt > now
    this.records.delete(peerId)
    if (ttlMs <= 0) return false
    // re-inserted, so the map's order stays the order of last answers
    this.records.set(peerId, now + ttlMs)
    this.evict(now)
    return !connected && !known
  }

  private evict(now: number): void {
    if (this.records.size <= this.maxPeers) return
    for (const [peerId, expiresAt] of this.records) {
      if (expiresAt <= now) this.records.delete(peerId)
    }
    for (const peerId of this.records.keys()) {
      if (this.records.size <= this.maxPeers) return
      this.records.delete(peerId)
    }
  }
}

/** The record of which peers mDNS has found, for one mDNS mechanism. */
export function createMdnsFinds(init: MdnsFindsInit = {}): MdnsFinds {
  return new DefaultMdnsFinds(init)
}
