/**
 * Pages of per-peer, per-connection and per-bucket detail that a {@link DiagnosticsSource} may
 * offer for the verbose views (`/debug/p2p/{peers,connections,routing}?verbose=1`), and the one
 * rule for a page's `limit` and `offset` that the server, the client and the CLI share. Like
 * `source.ts`, structural types only: a node's own detail methods can back them directly.
 */

/** The page size when none is given. */
export const DEFAULT_PAGE_LIMIT = 100

/** The largest page. */
export const MAX_PAGE_LIMIT = 1_000

/** The largest offset (past the end of any list, the page is empty). */
export const MAX_PAGE_OFFSET = 1_000_000_000

/** Which page of a list: at most `limit` items, from item `offset` on. */
export interface DetailsQuery {
  /** 1 to {@link MAX_PAGE_LIMIT}. @default 100 */
  limit: number
  /** 0 to {@link MAX_PAGE_OFFSET}. @default 0 */
  offset: number
}

/** One page of a list, and how long the whole list was when it was read. */
export interface DetailsPage<Item> {
  total: number
  offset: number
  limit: number
  items: Item[]
}

/** A connected peer; times in Unix ms, bytes on the wire. */
export interface PeerDetails {
  peerId: string
  /** What the peer store holds (identify, discovery). */
  addresses: string[]
  /** `both` when there are connections each way. */
  direction: 'inbound' | 'outbound' | 'both'
  /** identify's `AgentVersion`; null before identify completed. */
  agent: string | null
  protocols: string[]
  /** The lowest round trip measured on the peer's connections; null before the first ping. */
  latencyMs: number | null
  /** When the oldest open connection opened. */
  connectedSince: number
  /** Of the peer's open connections since each opened; null when not counted. */
  inBytes: number | null
  outBytes: number | null
  /** Every open connection goes through a relay. */
  relayed: boolean
  connections: number
}

/** An open connection; times in Unix ms. */
export interface ConnectionDetails {
  id: string
  peerId: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  /** `tcp`, `circuit-relay` or `other`. */
  transport: string
  encryption: string | null
  muxer: string | null
  relayed: boolean
  /** A relay limits its time or data. */
  limited: boolean
  openedAt: number
  /** The last measured round trip; null before the first ping. */
  rttMs: number | null
  inBytes: number | null
  outBytes: number | null
  /** Open streams by protocol. */
  streams: Record<string, number>
}

/** A k-bucket of the kad-dht routing table; times in Unix ms. */
export interface BucketDetails {
  /** The bucket's kad-id prefix as bits. */
  prefix: string
  depth: number
  /** Leading bits its peers share with the node's own kad id (the least, for the node's own). */
  commonPrefixLength: number
  containsSelf: boolean
  peers: number
  /** k: the most peers the bucket holds. */
  capacity: number
  /** The latest successful ping of a peer in the bucket. */
  lastPingAt: number | null
  /** The last refresh of the bucket; null when the source cannot tell. */
  lastRefreshAt: number | null
}

/** The detail methods a source may have, each optional (see `DiagnosticsSource`). */
export interface DetailsSource {
  /**
   * Connected peers, the longest connected first; `undefined` while the host is not running.
   * Called only for `/debug/p2p/peers?verbose=1`.
   */
  peerDetails?(query: DetailsQuery): Promise<DetailsPage<PeerDetails> | undefined>
  /** Open connections, the oldest first; for `/debug/p2p/connections?verbose=1`. */
  connectionDetails?(query: DetailsQuery): Promise<DetailsPage<ConnectionDetails> | undefined>
  /** The k-buckets in prefix order; for `/debug/p2p/routing?verbose=1`. */
  routingDetails?(query: DetailsQuery): Promise<DetailsPage<BucketDetails> | undefined>
}

/** A number, or the one sentence that says why the text is not one. */
export type PageNumberResult = { ok: true; value: number } | { ok: false; message: string }

function integerIn(name: string, raw: string, min: number, max: number): PageNumberResult {
  const text = raw.trim()
  const value = Number(text)
  // digits only: no sign, exponent, fraction or hex, and never a huge string to convert
  if (!/^\d{1,10}$/.test(text) || value < min || value > max) {
    return { ok: false, message: `${name} must be an integer from ${min} to ${max}` }
  }
  return { ok: true, value }
}

/**
 * `limit` as text (a query parameter, a flag) into 1 to {@link MAX_PAGE_LIMIT}, without
 * throwing; the message never repeats the text.
 *
 * @example
 * parseLimit('20') // { ok: true, value: 20 }
 * parseLimit('0') // { ok: false, message: 'limit must be an integer from 1 to 1000' }
 */
export function parseLimit(raw: string, name = 'limit'): PageNumberResult {
  return integerIn(name, raw, 1, MAX_PAGE_LIMIT)
}

/** `offset` as text into 0 to {@link MAX_PAGE_OFFSET}, like {@link parseLimit}. */
export function parseOffset(raw: string, name = 'offset'): PageNumberResult {
  return integerIn(name, raw, 0, MAX_PAGE_OFFSET)
}
