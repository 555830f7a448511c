import type { Reachability } from '../source.js'
import { healthVerdictOf } from '../verdict.js'
import type { HealthReason, HealthStatus } from '../verdict.js'
import { flatten, renderTable } from './render.js'
import { finite, iso } from './view.js'
import type { View } from './view.js'

/** One of the node's addresses and what is known of its reachability. */
export interface HealthAddress {
  multiaddr: string
  /** Confirmed reachable (true), rejected by AutoNAT (false), never checked (null). */
  reachable: boolean | null
  /** ISO time of the check that confirmed it; null for private addresses, which are not checked. */
  verified_at: string | null
  /** libp2p's origin of the address: `transport`, `observed`, `ip-mapping`, ... */
  type: string
  scope: 'public' | 'private' | 'relay'
}

/** A configured bootstrap peer and how its last dial ended. */
export interface HealthBootstrapPeer {
  peer_id: string
  multiaddr: string
  connected: boolean
  last_outcome: 'success' | 'failure' | null
  last_dial_at: string | null
  /** `refused`, `timeout`, `no_route`, `handshake`, `denied`, `aborted`, `other`. */
  error_class: string | null
  error: string | null
  failing_since: string | null
}

/** What peers see of the node: a NAT in front of it. */
export interface HealthNat {
  /** A peer on a direct connection saw a public IP none of the node's interfaces has. */
  behind_nat: boolean
  external_ips: string[]
  /** Distinct peers that saw one of them. */
  observed_by: number
  since: string | null
}

/** Hole punches (DCUtR) of relayed connections since start. */
export interface HealthHolePunch {
  enabled: boolean
  attempts: number
  successes: number
  failures: number
  pending: number
  last: {
    peer_id: string
    outcome: 'success' | 'failure'
    /** `no_public_address` or `no_direct_connection`; null on success. */
    cause: string | null
    at: string | null
    duration_ms: number
    /** The direct connection's remote address, on success. */
    address: string | null
  } | null
}

/** Inbound connections libp2p refused, by reason, and the limits in force. */
export interface HealthInboundRefused {
  max_pending: number
  max_connections: number
  /** `pending_limit`, `rate_limit`, `max_connections`, `denied`: how many, and the last. */
  reasons: Record<string, { count: number; last_at: string | null }>
}

/** Body of `GET /debug/p2p/health`. */
export interface HealthResponse {
  /** `ok`, `degraded` or `down`: the worst severity among `reasons`. */
  status: HealthStatus
  /** Why, worst first; `info` reasons are notes that leave the status `ok`. */
  reasons: HealthReason[]
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
    /** mDNS answers from other hosts since start. */
    responses: number
    last_response_at: string | null
  }
  addresses: HealthAddress[]
  /** Absent when the source does not track it. */
  nat?: HealthNat
  /** Absent when the source does not track it. */
  hole_punch?: HealthHolePunch
  /** Absent when the source does not track it. */
  inbound_refused?: HealthInboundRefused
  bootstrap_peers: HealthBootstrapPeer[]
  /** ISO time the node started; null when the source does not say. */
  started_at: string | null
}

function list(name: string, lines: string[]): string[] {
  return [name, ...(lines.length === 0 ? ['  (none)'] : lines.map((line) => `  ${line}`))]
}

/** The status first, then each reason with its hint, the facts, the addresses and bootstrap peers. */
function render(body: HealthResponse): string {
  const {
    status,
    reasons,
    addresses,
    bootstrap_peers: bootstrap,
    inbound_refused: refused,
    ...rest
  } = body
  // one row for the refusals: a row per reason and field would widen the whole table
  const refusedRow: Array<[string, string]> =
    refused === undefined
      ? []
      : [
          [
            'inbound_refused',
            `${Object.entries(refused.reasons)
              .map(([reason, { count }]) => `${reason} ${count}`)
              .join(
                ', ',
              )} (limits: ${refused.max_pending} pending, ${refused.max_connections} connections)`,
          ],
        ]
  const [statusLine = '', ...rows] = renderTable([
    ['status', status],
    ...flatten(rest),
    ...refusedRow,
  ]).split('\n')
  return [
    statusLine,
    ...list(
      'reasons',
      reasons.flatMap((r) => [`${r.code} (${r.severity}): ${r.message}`, `  hint: ${r.hint}`]),
    ),
    ...rows,
    ...list(
      'addresses',
      addresses.map(
        (a) =>
          `${a.multiaddr}  ${a.scope}, ${a.reachable === null ? 'not checked' : a.reachable ? 'reachable' : 'not reachable'}` +
          (a.verified_at === null ? '' : `, verified ${a.verified_at}`),
      ),
    ),
    ...list(
      'bootstrap_peers',
      bootstrap.map(
        (b) =>
          `${b.multiaddr}  ${b.connected ? 'connected' : (b.last_outcome ?? 'not dialled yet')}` +
          (b.error_class === null ? '' : `, ${b.error_class} since ${b.failing_since ?? '-'}`),
      ),
    ),
  ].join('\n')
}

export const health: View<HealthResponse> = {
  path: '/debug/p2p/health',
  description: 'ok, degraded or down, and why; reachability, relay and mDNS',
  required: {
    status: 'string',
    reasons: 'array',
    host_id: 'string',
    num_peers: 'number',
    num_conns: 'number',
    reachability: 'string',
    autoNAT_status: 'string',
    'relay_stats.enabled': 'boolean',
    addresses: 'array',
  },
  fromSnapshot: (snapshot) => {
    const { health: h, facts } = snapshot
    const { status, reasons } = healthVerdictOf(snapshot)
    return {
      status,
      reasons,
      host_id: snapshot.hostId,
      num_peers: snapshot.peerIds.length,
      num_conns: finite(snapshot.connections),
      reachability: h.reachability,
      autoNAT_status: h.autoNATStatus,
      relay_stats: {
        enabled: h.relay.enabled,
        server: h.relay.server,
        reservations: finite(h.relay.reservations),
      },
      mdns: {
        enabled: h.mdns.enabled,
        available: h.mdns.available,
        responses: finite(facts?.mdns.responses ?? 0),
        last_response_at: iso(facts?.mdns.lastResponseAt),
      },
      addresses: (facts?.addresses ?? []).map((a) => ({
        multiaddr: a.multiaddr,
        reachable: a.reachable,
        verified_at: iso(a.verifiedAt),
        type: a.type,
        scope: a.scope,
      })),
      ...(facts?.nat === undefined
        ? {}
        : {
            nat: {
              behind_nat: facts.nat.behindNat,
              external_ips: [...facts.nat.externalIps],
              observed_by: finite(facts.nat.observedBy),
              since: iso(facts.nat.since),
            },
          }),
      ...(facts?.holePunch === undefined
        ? {}
        : {
            hole_punch: {
              enabled: facts.holePunch.enabled,
              attempts: finite(facts.holePunch.attempts),
              successes: finite(facts.holePunch.successes),
              failures: finite(facts.holePunch.failures),
              pending: finite(facts.holePunch.pending),
              last:
                facts.holePunch.last === null
                  ? null
                  : {
                      peer_id: facts.holePunch.last.peerId,
                      outcome: facts.holePunch.last.outcome,
                      cause: facts.holePunch.last.cause,
                      at: iso(facts.holePunch.last.at),
                      duration_ms: finite(facts.holePunch.last.durationMs),
                      address: facts.holePunch.last.address,
                    },
            },
          }),
      ...(facts?.inboundRefused === undefined
        ? {}
        : {
            inbound_refused: {
              max_pending: finite(facts.inboundRefused.maxPending),
              max_connections: finite(facts.inboundRefused.maxConnections),
              reasons: Object.fromEntries(
                Object.entries(facts.inboundRefused.reasons).map(([reason, { count, lastAt }]) => [
                  reason,
                  { count: finite(count), last_at: iso(lastAt) },
                ]),
              ),
            },
          }),
      bootstrap_peers: (facts?.bootstrap ?? []).map((b) => ({
        peer_id: b.peerId,
        multiaddr: b.multiaddr,
        connected: b.connected,
        last_outcome: b.lastOutcome,
        last_dial_at: iso(b.lastDialAt),
        error_class: b.errorClass,
        error: b.error,
        failing_since: iso(b.failingSince),
      })),
      started_at: iso(facts?.startedAt),
    }
  },
  render,
  // `ok` only: a degraded node is unhealthy too, and an isolated one is down.
  unhealthy: ({ status, reasons }) => {
    if (status === 'ok') return undefined
    const judged = reasons.filter((r) => r.severity !== 'info')
    const [first] = judged
    if (first === undefined) return status
    const more = judged.length - 1
    return (
      first.message +
      (more > 0 ? ` (and ${more} more reason${more === 1 ? '' : 's'})` : '') +
      (status === 'degraded' ? ' (degraded)' : '')
    )
  },
}
