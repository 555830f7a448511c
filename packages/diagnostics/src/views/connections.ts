import type { ConnectionDetails } from '../details.js'
import { formatAge, formatBytes, pageLine, printable, renderColumns, renderRows } from './render.js'
import { finite, iso, nullableFinite } from './view.js'
import type { VerboseCapableView } from './view.js'

/** Body of `GET /debug/p2p/connections`. */
export interface ConnectionsResponse {
  connections: number
}

/** One open connection in `connection_details`. */
export interface ConnectionDetail {
  /** libp2p's connection id. */
  id: string
  peer_id: string
  remote_addr: string
  /** `inbound` when the peer dialled. */
  direction: 'inbound' | 'outbound'
  /** `tcp`, `circuit-relay` or `other`. */
  transport: string
  /** The negotiated encrypter (`/noise`); null when none was. */
  encryption: string | null
  /** The negotiated stream muxer (`/yamux/1.0.0`); null when none was. */
  muxer: string | null
  /** Through a circuit relay. */
  relayed: boolean
  /** A relay limits its time or data. */
  limited: boolean
  /** ISO time it opened. */
  opened_at: string | null
  /** Milliseconds since it opened, when the body was made. */
  age_ms: number
  /** The last ping round trip, ms; null before the first ping (10 s). */
  rtt_ms: number | null
  /** Wire bytes since it opened; null when not counted. */
  in_bytes: number | null
  out_bytes: number | null
  /** Open streams by protocol; `(negotiating)` for streams still choosing one. */
  streams: Record<string, number>
}

/** What `?verbose=1` adds to the connections body: one page of connections, the oldest first. */
export interface ConnectionsVerbose {
  total: number
  limit: number
  offset: number
  connection_details: ConnectionDetail[]
}

function connectionDetail(conn: ConnectionDetails, now: number): ConnectionDetail {
  return {
    id: conn.id,
    peer_id: conn.peerId,
    remote_addr: conn.remoteAddr,
    direction: conn.direction,
    transport: conn.transport,
    encryption: conn.encryption,
    muxer: conn.muxer,
    relayed: conn.relayed,
    limited: conn.limited,
    opened_at: iso(conn.openedAt),
    age_ms: Math.max(0, finite(now - conn.openedAt)),
    rtt_ms: nullableFinite(conn.rttMs),
    in_bytes: nullableFinite(conn.inBytes),
    out_bytes: nullableFinite(conn.outBytes),
    streams: { ...conn.streams },
  }
}

const bytes = (value: number | null): string => (value === null ? '-' : formatBytes(value))

/** `/ipfs/ping/1.0.0 x2, /wes/kad/1.0.0`: open streams by protocol, the busiest first. */
function streamsCell(streams: Record<string, number>): string {
  const entries = Object.entries(streams).sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1))
  if (entries.length === 0) return '-'
  return entries.map(([p, n]) => (n === 1 ? printable(p) : `${printable(p)} x${n}`)).join(', ')
}

/** One row per connection, the oldest first. */
function render(body: ConnectionsResponse & ConnectionsVerbose): string {
  const rows = body.connection_details.map((c) => [
    c.id,
    c.peer_id,
    c.direction,
    c.transport + (c.limited ? ' (limited)' : ''),
    formatAge(c.age_ms),
    c.rtt_ms === null ? '-' : `${Math.round(c.rtt_ms)} ms`,
    bytes(c.in_bytes),
    bytes(c.out_bytes),
    c.remote_addr,
    streamsCell(c.streams),
  ])
  const page = pageLine('connections', {
    total: body.total,
    offset: body.offset,
    count: body.connection_details.length,
  })
  if (rows.length === 0) return page
  return [
    page,
    renderColumns(
      ['ID', 'PEER', 'DIR', 'TRANSPORT', 'AGE', 'RTT', 'IN', 'OUT', 'REMOTE ADDR', 'STREAMS'],
      rows,
    ),
  ].join('\n')
}

export const connections: VerboseCapableView<ConnectionsResponse, ConnectionsVerbose> = {
  path: '/debug/p2p/connections',
  description: 'open connections (a peer may have several)',
  required: { connections: 'number' },
  fromSnapshot: (snapshot) => ({ connections: finite(snapshot.connections) }),
  render: renderRows,
  verbose: {
    required: {
      total: 'number',
      limit: 'number',
      offset: 'number',
      connection_details: 'array',
    },
    read(source, query, now) {
      if (source.connectionDetails === undefined) return null
      return source.connectionDetails(query).then((page) =>
        page === undefined
          ? undefined
          : {
              total: finite(page.total),
              limit: finite(page.limit),
              offset: finite(page.offset),
              connection_details: page.items.map((conn) => connectionDetail(conn, now)),
            },
      )
    },
    render,
  },
}
