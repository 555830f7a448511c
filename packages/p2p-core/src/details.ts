/**
 * Per-peer, per-connection and per-bucket detail of a running node, one page at a time. Unlike
 * `snapshot()`, which a scrape reads, these are read only when asked (`/debug/p2p/<view>?verbose=1`)
 * sorting the whole list in memory, then describing only the page asked for. Structurally identical to the detail types
 * of `@wes/diagnostics`, so a node's methods can back the diagnostics directly.
 */

import type { ConnectionDirection, ConnectionTransport } from './network/connections.js'

/** The page size when none is given. */
export const DEFAULT_DETAILS_LIMIT = 100

/** The largest page. */
export const MAX_DETAILS_LIMIT = 1_000

/** Which page of a list: at most `limit` items, from item `offset` on. */
export interface DetailsQuery {
  /**
   * An integer from 1 to {@link MAX_DETAILS_LIMIT}.
   *
   * @default 100
   */
  limit?: number
  /**
   * A non-negative integer; past the end, the page is empty.
   *
   * @default 0
   */
  offset?: number
}

/** One page of a list, and how long the whole list was when it was read. */
export interface DetailsPage<Item> {
  /** Items in the whole list. */
  total: number
  offset: number
  limit: number
  items: Item[]
}

/** A connected peer. Lists end at {@link MAX_PEER_LIST_ITEMS}. */
export interface PeerDetails {
  peerId: string
  /** The addresses the peer store holds for the peer (from identify and discovery). */
  addresses: string[]
  /** `both` when the node has connections each way with the peer. */
  direction: ConnectionDirection | 'both'
  /** The peer's `AgentVersion` from identify; null until identify completed. */
  agent: string | null
  /** The protocols the peer said it speaks (identify). */
  protocols: string[]
  /**
   * The lowest round trip libp2p's connection monitor measured on the peer's connections, in ms;
   * null until its first ping (every 10 s).
   */
  latencyMs: number | null
  /** Unix ms when the peer's oldest open connection opened. */
  connectedSince: number
  /**
   * Wire bytes (after encryption and framing) of the peer's open connections since each opened;
   * null when none of them is counted.
   */
  inBytes: number | null
  outBytes: number | null
  /** Every open connection to the peer goes through a circuit relay. */
  relayed: boolean
  /** Open connections to the peer. */
  connections: number
}

/** An open connection. */
export interface ConnectionDetails {
  /** libp2p's connection id. */
  id: string
  peerId: string
  remoteAddr: string
  /** `inbound` when the peer dialled. */
  direction: ConnectionDirection
  /** `tcp`, `circuit-relay` (through a relay) or `other`, as the connection metrics name them. */
  transport: ConnectionTransport
  /** The negotiated encrypter (`/noise`); null when none was. */
  encryption: string | null
  /** The negotiated stream muxer (`/yamux/1.0.0`); null when none was. */
  muxer: string | null
  /** Through a circuit relay. */
  relayed: boolean
  /** A relay limits the connection's time or data. */
  limited: boolean
  /** Unix ms when the connection opened. */
  openedAt: number
  /** The round trip the connection monitor last measured, in ms; null before its first ping. */
  rttMs: number | null
  /** Wire bytes since the connection opened; null when it is not counted. */
  inBytes: number | null
  outBytes: number | null
  /** Open streams by protocol; a stream still negotiating counts under `(negotiating)`. */
  streams: Record<string, number>
}

/** One k-bucket of the kad-dht routing table (a leaf of kad-dht's prefix trie). */
export interface BucketDetails {
  /** The bucket's kad-id prefix as bits (`''` while the table has one bucket). */
  prefix: string
  /** Bits in the prefix. */
  depth: number
  /**
   * Leading bits the bucket's peers share with the node's own kad id: exact for a bucket that
   * does not hold the node's own id, the least for the one that does.
   */
  commonPrefixLength: number
  /** The bucket covers the node's own kad id (the one kad-dht splits). */
  containsSelf: boolean
  /** Peers in the bucket. */
  peers: number
  /** Peers the bucket holds at most (k). */
  capacity: number
  /** Unix ms of the latest successful ping of a peer in the bucket; null when none was pinged. */
  lastPingAt: number | null
  /**
   * Unix ms of the last refresh of the bucket's prefix length. Always null: kad-dht 16 keeps its
   * refresh times private (`RoutingTableRefresh`), and the key waits for a public one.
   */
  lastRefreshAt: number | null
}

/** Addresses and protocols listed per peer at most; a peer store may hold more. */
export const MAX_PEER_LIST_ITEMS = 32

/** The limit and offset of `query`, defaults applied, or a RangeError naming the bad one. */
export function pageOf(query: DetailsQuery = {}): { limit: number; offset: number } {
  const limit = query.limit ?? DEFAULT_DETAILS_LIMIT
  const offset = query.offset ?? 0
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_DETAILS_LIMIT) {
    throw new RangeError(`limit must be an integer from 1 to ${MAX_DETAILS_LIMIT}, got ${limit}`)
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`offset must be a non-negative integer, got ${offset}`)
  }
  return { limit, offset }
}
