/**
 * libp2p's two per-protocol stream gauges, computed in one walk of the connections per scrape
 * and without objects per connection or stream.
 *
 * libp2p's connection manager registers `libp2p_protocol_streams_total` (open streams by
 * `"<direction> <protocol>"`) and `libp2p_connection_manager_protocol_streams_per_connection_90th_percentile`
 * (of the connections with such streams, the 90th percentile of how many each has) as calculated
 * metric groups. Each walks every stream of every connection on every scrape, builds the label
 * string per stream, and the percentile an object per connection and an array of counts per
 * label: 0.42 MB allocated per scrape at 1,000 connections, most of what made some renders of a
 * busy node pay for a young-generation GC (B8 in docs/benchmarks.md). {@link WireMetrics} hands
 * libp2p's registrations of these two names these calculations instead: the same label values
 * and the same numbers (a test runs libp2p's own calculation beside them on live connections),
 * from one walk that reuses its counting arrays from scrape to scrape.
 *
 * The label strings are kept per direction and protocol. Streams only carry protocols this node
 * negotiated (its own handlers, or protocols it dialled), so a remote peer cannot grow that table.
 */

import type { Connection, PeerId } from '@libp2p/interface'

/** The connection manager's connections, as far as the tally reads them (libp2p's `PeerMap`). */
export interface ConnectionsEachPeer {
  forEach(callback: (connections: readonly Connection[], peer: PeerId) => void): void
}

/** The names of libp2p's calculated metric groups a {@link ProtocolStreamGauges} computes. */
export const PROTOCOL_STREAMS_TOTAL = 'libp2p_protocol_streams_total'
export const PROTOCOL_STREAMS_P90 =
  'libp2p_connection_manager_protocol_streams_per_connection_90th_percentile'

/** libp2p's name for a stream whose protocol is not negotiated yet. */
const UNNEGOTIATED = 'unnegotiated'

/** The two calculations, sharing one walk per scrape. */
export interface ProtocolStreamGauges {
  /** Open streams by `"<direction> <protocol>"`, as libp2p's `libp2p_protocol_streams_total`. */
  streamsTotal(): Record<string, number>
  /** libp2p's 90th percentile of streams per connection, by the same label. */
  streamsPerConnectionP90(): Record<string, number>
}

/**
 * The gauges of the connections `connections()` returns at scrape time. Both calculations of one
 * scrape (prom-client collects every metric in one synchronous pass) share the walk; the next
 * microtask forgets it.
 */
export function createProtocolStreamGauges(
  connections: () => ConnectionsEachPeer,
): ProtocolStreamGauges {
  /** Label string per direction and protocol, and the index of its counts. */
  const keys = { inbound: new Map<string, number>(), outbound: new Map<string, number>() }
  const labels: string[] = []
  /** Per label: open streams in all connections. */
  const totals: number[] = []
  /** Per label: how many connections have exactly `n` such streams, at index `n`. */
  const spread: number[][] = []
  /** The walk of one connection: its streams per label, and the labels it touched. */
  const inConnection: number[] = []
  const touched: number[] = []
  let walked = false

  const indexOf = (direction: 'inbound' | 'outbound', protocol: string): number => {
    const byProtocol = keys[direction]
    let index = byProtocol.get(protocol)
    if (index === undefined) {
      index = labels.length
      labels.push(`${direction} ${protocol}`)
      totals.push(0)
      spread.push([])
      inConnection.push(0)
      byProtocol.set(protocol, index)
    }
    return index
  }

  const countConnection = (connection: Connection): void => {
    const streams = connection.streams
    for (let i = 0; i < streams.length; i++) {
      const stream = streams[i] as Connection['streams'][number]
      const index = indexOf(stream.direction, stream.protocol ?? UNNEGOTIATED)
      if (inConnection[index] === 0) touched.push(index)
      inConnection[index] = (inConnection[index] as number) + 1
    }
    for (let i = 0; i < touched.length; i++) {
      const index = touched[i] as number
      const count = inConnection[index] as number
      totals[index] = (totals[index] as number) + count
      const counts = spread[index] as number[]
      while (counts.length <= count) counts.push(0)
      counts[count] = (counts[count] as number) + 1
      inConnection[index] = 0
    }
    touched.length = 0
  }

  const countPeer = (peerConnections: readonly Connection[]): void => {
    for (let i = 0; i < peerConnections.length; i++) {
      countConnection(peerConnections[i] as Connection)
    }
  }

  const walk = (): void => {
    if (walked) return
    walked = true
    queueMicrotask(() => {
      walked = false
    })
    totals.fill(0)
    for (const counts of spread) counts.fill(0)
    connections().forEach(countPeer)
  }

  return {
    streamsTotal() {
      walk()
      const metric: Record<string, number> = {}
      for (let i = 0; i < labels.length; i++) {
        if ((totals[i] as number) > 0) metric[labels[i] as string] = totals[i] as number
      }
      return metric
    },
    streamsPerConnectionP90() {
      walk()
      const metric: Record<string, number> = {}
      for (let i = 0; i < labels.length; i++) {
        const counts = spread[i] as number[]
        let connectionsWith = 0
        for (let n = 1; n < counts.length; n++) connectionsWith += counts[n] as number
        if (connectionsWith === 0) continue
        // libp2p's: the counts sorted ascending, the one at floor(0.9 * how many)
        const rank = Math.floor(connectionsWith * 0.9)
        let seen = 0
        for (let n = 1; n < counts.length; n++) {
          seen += counts[n] as number
          if (seen > rank) {
            metric[labels[i] as string] = n
            break
          }
        }
      }
      return metric
    },
  }
}
