import type { PeerDetails } from '../details.js'
import {
  formatAge,
  formatBytes,
  pageLine,
  printable,
  renderColumns,
  renderWithList,
} from './render.js'
import { finite, iso, nullableFinite } from './view.js'
import type { VerboseCapableView } from './view.js'

/** Body of `GET /debug/p2p/peers`. */
export interface PeersResponse {
  peers: number
  peer_ids: string[]
}

/** One connected peer in `peer_details`. */
export interface PeerDetail {
  peer_id: string
  /** The addresses the node knows for the peer (identify, discovery); at most 32. */
  addresses: string[]
  /** `inbound` (the peer dialled), `outbound`, or `both` with connections each way. */
  direction: 'inbound' | 'outbound' | 'both'
  /** The peer's agent version from identify; null before identify completed. */
  agent: string | null
  /** The protocols the peer speaks, from identify; at most 32. */
  protocols: string[]
  /** Lowest ping round trip on its connections, ms; null before the first ping (10 s). */
  latency_ms: number | null
  /** ISO time its oldest open connection opened. */
  connected_since: string | null
  /** Wire bytes of its open connections since they opened; null when not counted. */
  in_bytes: number | null
  out_bytes: number | null
  /** Every open connection to it goes through a circuit relay. */
  relayed: boolean
  /** Open connections to it. */
  connections: number
}

/** What `?verbose=1` adds to the peers body: one page of peers, the longest connected first. */
export interface PeersVerbose {
  total: number
  limit: number
  offset: number
  peer_details: PeerDetail[]
}

function peerDetail(peer: PeerDetails): PeerDetail {
  return {
    peer_id: peer.peerId,
    addresses: [...peer.addresses],
    direction: peer.direction,
    agent: peer.agent,
    protocols: [...peer.protocols],
    latency_ms: nullableFinite(peer.latencyMs),
    connected_since: iso(peer.connectedSince),
    in_bytes: nullableFinite(peer.inBytes),
    out_bytes: nullableFinite(peer.outBytes),
    relayed: peer.relayed,
    connections: finite(peer.connections),
  }
}

const bytes = (value: number | null): string => (value === null ? '-' : formatBytes(value))

/** One row per peer, in the server's order (the longest connected first). */
function render(body: PeersResponse & PeersVerbose, now = Date.now()): string {
  const rows = body.peer_details.map((p) => [
    p.peer_id,
    p.direction,
    p.relayed ? 'relayed' : 'direct',
    p.connected_since === null ? '-' : formatAge(now - Date.parse(p.connected_since)),
    p.latency_ms === null ? '-' : `${Math.round(p.latency_ms)} ms`,
    bytes(p.in_bytes),
    bytes(p.out_bytes),
    String(p.addresses.length),
    String(p.protocols.length),
    p.agent === null ? '-' : printable(p.agent),
  ])
  const page = pageLine('peers', {
    total: body.total,
    offset: body.offset,
    count: body.peer_details.length,
  })
  if (rows.length === 0) return page
  return [
    page,
    renderColumns(
      ['PEER', 'DIR', 'VIA', 'CONNECTED', 'LATENCY', 'IN', 'OUT', 'ADDRS', 'PROTOS', 'AGENT'],
      rows,
    ),
    '(addresses and protocols: --json)',
  ].join('\n')
}

export const peers: VerboseCapableView<PeersResponse, PeersVerbose> = {
  path: '/debug/p2p/peers',
  description: 'connected peers and their peer IDs',
  required: { peers: 'number', peer_ids: 'array' },
  fromSnapshot: (snapshot) => ({ peers: snapshot.peerIds.length, peer_ids: [...snapshot.peerIds] }),
  render: ({ peer_ids: peerIds, ...rest }) => renderWithList(rest, 'peer_ids', peerIds),
  verbose: {
    required: { total: 'number', limit: 'number', offset: 'number', peer_details: 'array' },
    read(source, query) {
      if (source.peerDetails === undefined) return null
      return source.peerDetails(query).then((page) =>
        page === undefined
          ? undefined
          : {
              total: finite(page.total),
              limit: finite(page.limit),
              offset: finite(page.offset),
              peer_details: page.items.map(peerDetail),
            },
      )
    },
    render,
  },
}
