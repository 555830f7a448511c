import type Router from '@koa/router'
import { NotReadyError } from '../errors.js'
import type { DhtMode, DiagnosticsSnapshot, DiagnosticsSource, Reachability } from '../source.js'

/** Body of `GET /debug/p2p/peers`. */
export interface PeersResponse {
  peers: number
  peer_ids: string[]
}

/** Body of `GET /debug/p2p/connections`. */
export interface ConnectionsResponse {
  connections: number
}

/** Body of `GET /debug/p2p/stats`. */
export interface StatsResponse {
  peers: number
  connections: number
  host_id: string
  bandwidth: {
    in_rate_bps: number
    out_rate_bps: number
    in_total_bytes: number
    out_total_bytes: number
  }
  /** Extra: the node's listen multiaddrs. */
  listen_addrs: string[]
}

/** Body of `GET /debug/p2p/health`. */
export interface HealthResponse {
  host_id: string
  num_peers: number
  num_conns: number
  reachability: Reachability
  autoNAT_status: Reachability
  relay_stats: {
    enabled: boolean
    server: boolean
    reservations: number
  }
  mdns: {
    enabled: boolean
    available: boolean
  }
}

/** Body of `GET /debug/p2p/routing`. */
export interface RoutingResponse {
  routing_table_size: number
  mode: DhtMode
  num_bootstrap_peers: number
  current_mode: 'client' | 'server'
}

export function peers(snapshot: DiagnosticsSnapshot): PeersResponse {
  return { peers: snapshot.peerIds.length, peer_ids: [...snapshot.peerIds] }
}

export function connections(snapshot: DiagnosticsSnapshot): ConnectionsResponse {
  return { connections: count(snapshot.connections) }
}

export function stats(snapshot: DiagnosticsSnapshot): StatsResponse {
  const { bandwidth } = snapshot
  return {
    peers: snapshot.peerIds.length,
    connections: count(snapshot.connections),
    host_id: snapshot.hostId,
    bandwidth: {
      in_rate_bps: count(bandwidth.inRateBytesPerSecond),
      out_rate_bps: count(bandwidth.outRateBytesPerSecond),
      in_total_bytes: count(bandwidth.inTotalBytes),
      out_total_bytes: count(bandwidth.outTotalBytes),
    },
    listen_addrs: [...snapshot.listenAddrs],
  }
}

export function health(snapshot: DiagnosticsSnapshot): HealthResponse {
  const { health: h } = snapshot
  return {
    host_id: snapshot.hostId,
    num_peers: snapshot.peerIds.length,
    num_conns: count(snapshot.connections),
    reachability: h.reachability,
    autoNAT_status: h.autoNATStatus,
    relay_stats: {
      enabled: h.relay.enabled,
      server: h.relay.server,
      reservations: count(h.relay.reservations),
    },
    mdns: { enabled: h.mdns.enabled, available: h.mdns.available },
  }
}

export function routing(snapshot: DiagnosticsSnapshot): RoutingResponse {
  const { routing: r } = snapshot
  return {
    routing_table_size: count(r.routingTableSize),
    mode: r.mode,
    num_bootstrap_peers: count(r.bootstrapPeers),
    current_mode: r.currentMode,
  }
}

export interface DebugP2PRoutesComponents {
  source: DiagnosticsSource
}

const HANDLERS: Record<string, (snapshot: DiagnosticsSnapshot) => object> = {
  peers,
  connections,
  stats,
  health,
  routing,
}

/** `GET /debug/p2p/{peers,connections,stats,health,routing}`: JSON of one snapshot, 503 when not ready. */
export function registerDebugP2PRoutes(router: Router, components: DebugP2PRoutesComponents): void {
  for (const [name, handler] of Object.entries(HANDLERS)) {
    router.get(`/debug/p2p/${name}`, (ctx) => {
      const snapshot = components.source.snapshot()
      if (snapshot === undefined) throw new NotReadyError()
      ctx.body = handler(snapshot)
    })
  }
}

/** JSON has no NaN or Infinity: a broken counter reads 0 rather than `null`. */
function count(value: number): number {
  return Number.isFinite(value) ? value : 0
}
