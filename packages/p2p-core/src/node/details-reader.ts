/**
 * Reads the per-peer, per-connection and per-bucket detail of a node (details.ts) when asked,
 * from the connection manager's map of connections by peer and each connection's fields,
 * the peer store (addresses, protocols and identify's `AgentVersion`), the connection monitor's
 * `rtt`, and the wire bytes the node's own counter keeps per connection. The k-buckets come from
 * kad-dht's routing table implementation (`routingTable.kb`, a public field of the class though
 * not of kad-dht's interface); without it the bucket list is empty.
 *
 * Each read sorts the whole list (O(n log n) over peers or connections, with no I/O) and then
 * describes only the page asked for: the peer store is read for at most `limit` peers.
 */

import { MAX_PEER_LIST_ITEMS, pageOf } from '../details.js'
import { transportOf } from '../network/connections.js'
import { isRelayed } from '../reachability.js'
import type {
  BucketDetails,
  ConnectionDetails,
  DetailsPage,
  DetailsQuery,
  PeerDetails,
} from '../details.js'
import type { ConnectionByteCounter } from '../network/connection-bytes.js'
import type { ConnectionDirection } from '../network/connections.js'
import type { ConnectionsByPeer, DhtHandle } from './compose.js'
import type { Connection, Libp2p, Peer, PeerId } from '@libp2p/interface'

/** What the reader reads. */
export interface DetailsReaderComponents {
  libp2p: Pick<Libp2p, 'peerStore'>
  /** The connection manager's map: its peer IDs keep their string form (compose.ts). */
  connectionManager: { getConnectionsMap(): ConnectionsByPeer }
  dht: DhtHandle
  bytes: ConnectionByteCounter
}

/** A leaf or inner node of kad-dht's prefix trie, as far as the reader reads it. */
interface TrieNode {
  peers?: ReadonlyArray<{ lastPing: number }>
  left?: TrieNode
  right?: TrieNode
}

/** The part of kad-dht's `KBucket` the reader reads. */
interface KBucketTrie {
  root: TrieNode
  localPeer?: { kadId: Uint8Array }
}

const NEGOTIATING = '(negotiating)'
const decoder = new TextDecoder()

function openConnections(connections: readonly Connection[]): Connection[] {
  return connections.filter((connection) => connection.status === 'open')
}

function byOpenedThen<T>(openedAt: (item: T) => number, id: (item: T) => string) {
  return (a: T, b: T): number => openedAt(a) - openedAt(b) || (id(a) < id(b) ? -1 : 1)
}

function slicePage<T>(sorted: readonly T[], { limit, offset }: { limit: number; offset: number }) {
  return { total: sorted.length, limit, offset, slice: sorted.slice(offset, offset + limit) }
}

function bit(bytes: Uint8Array, index: number): '0' | '1' {
  return (((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) === 1 ? '1' : '0'
}

/** The reader of a node's detail; every method reads the node as it is now. */
export class DetailsReader {
  private readonly components: DetailsReaderComponents

  constructor(components: DetailsReaderComponents) {
    this.components = components
  }

  /** Connected peers, the longest connected first. */
  async peers(query?: DetailsQuery): Promise<DetailsPage<PeerDetails>> {
    const wanted = pageOf(query)
    const entries: Array<{ peer: PeerId; id: string; conns: Connection[]; since: number }> = []
    for (const [peer, connections] of this.components.connectionManager
      .getConnectionsMap()
      .entries()) {
      const conns = openConnections(connections)
      if (conns.length === 0) continue
      const since = Math.min(...conns.map((conn) => conn.timeline.open))
      entries.push({ peer, id: peer.toString(), conns, since })
    }
    entries.sort(
      byOpenedThen(
        (e) => e.since,
        (e) => e.id,
      ),
    )
    const { slice, ...page } = slicePage(entries, wanted)
    const items = await Promise.all(
      slice.map(async ({ peer, id, conns, since }) => {
        const stored = await this.storedPeer(peer)
        const directions = new Set(conns.map((conn) => conn.direction))
        const rtts = conns.map((conn) => conn.rtt).filter((rtt) => typeof rtt === 'number')
        const bytes = conns.map((conn) => this.components.bytes.bytesOf(conn))
        const counted = bytes.filter((b) => b !== undefined)
        const agent = stored?.metadata.get('AgentVersion')
        const details: PeerDetails = {
          peerId: id,
          addresses: (stored?.addresses ?? [])
            .slice(0, MAX_PEER_LIST_ITEMS)
            .map((address) => address.multiaddr.toString()),
          direction: directions.size > 1 ? 'both' : ([...directions][0] as ConnectionDirection),
          agent: agent === undefined ? null : decoder.decode(agent),
          protocols: (stored?.protocols ?? []).slice(0, MAX_PEER_LIST_ITEMS),
          latencyMs: rtts.length === 0 ? null : Math.min(...rtts),
          connectedSince: since,
          inBytes: counted.length === 0 ? null : counted.reduce((sum, b) => sum + b.inBytes, 0),
          outBytes: counted.length === 0 ? null : counted.reduce((sum, b) => sum + b.outBytes, 0),
          relayed: conns.every((conn) => isRelayed(conn.remoteAddr)),
          connections: conns.length,
        }
        return details
      }),
    )
    return { ...page, items }
  }

  /** Open connections, the oldest first. */
  connections(query?: DetailsQuery): DetailsPage<ConnectionDetails> {
    const wanted = pageOf(query)
    const { connectionManager, bytes } = this.components
    const all: Connection[] = []
    for (const [, connections] of connectionManager.getConnectionsMap().entries()) {
      all.push(...openConnections(connections))
    }
    all.sort(
      byOpenedThen(
        (c) => c.timeline.open,
        (c) => c.id,
      ),
    )
    const { slice, ...page } = slicePage(all, wanted)
    const items = slice.map((conn): ConnectionDetails => {
      const counted = bytes.bytesOf(conn)
      const streams: Record<string, number> = {}
      for (const stream of conn.streams) {
        const protocol = stream.protocol === '' ? NEGOTIATING : stream.protocol
        streams[protocol] = (streams[protocol] ?? 0) + 1
      }
      return {
        id: conn.id,
        peerId: conn.remotePeer.toString(),
        remoteAddr: conn.remoteAddr.toString(),
        direction: conn.direction,
        transport: transportOf(conn.remoteAddr),
        encryption: conn.encryption ?? null,
        muxer: conn.multiplexer ?? null,
        relayed: isRelayed(conn.remoteAddr),
        limited: conn.limits != null,
        openedAt: conn.timeline.open,
        rttMs: typeof conn.rtt === 'number' ? conn.rtt : null,
        inBytes: counted?.inBytes ?? null,
        outBytes: counted?.outBytes ?? null,
        streams,
      }
    })
    return { ...page, items }
  }

  /** The k-buckets in prefix order (the trie's leaves, left to right). */
  routing(query?: DetailsQuery): DetailsPage<BucketDetails> {
    const wanted = pageOf(query)
    const { routingTable } = this.components.dht
    const kb = (routingTable as { kb?: Partial<KBucketTrie> }).kb
    const capacity = (routingTable as { kBucketSize?: number }).kBucketSize ?? 20
    const self = kb?.localPeer?.kadId
    const buckets: BucketDetails[] = []
    const visit = (node: TrieNode | undefined, prefix: string): void => {
      if (node === undefined) return
      if (Array.isArray(node.peers)) {
        const peers = node.peers
        let cpl = prefix.length
        if (self !== undefined) {
          const differs = [...prefix].findIndex((b, i) => b !== bit(self, i))
          if (differs >= 0) cpl = differs
        }
        const lastPing = Math.max(0, ...peers.map((peer) => peer.lastPing))
        buckets.push({
          prefix,
          depth: prefix.length,
          commonPrefixLength: cpl,
          containsSelf: self !== undefined && cpl === prefix.length,
          peers: peers.length,
          capacity,
          lastPingAt: lastPing > 0 ? lastPing : null,
          lastRefreshAt: null,
        })
        return
      }
      visit(node.left, `${prefix}0`)
      visit(node.right, `${prefix}1`)
    }
    visit(kb?.root, '')
    const { slice, ...page } = slicePage(buckets, wanted)
    return { ...page, items: slice }
  }

  /** What the peer store holds for `peer`; undefined when it holds nothing. */
  private async storedPeer(peer: PeerId): Promise<Peer | undefined> {
    try {
      return await this.components.libp2p.peerStore.get(peer)
    } catch {
      return undefined
    }
  }
}
