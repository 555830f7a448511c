/**
 * The metrics that explain a node's network beyond the spec's totals: what each protocol moves,
 * connections as they open and close, outbound dials, ping round trips, peers by agent, and inbound
 * connections refused. Every label takes its values from a fixed set, and
 * every series exists from the start at 0; a peer ID or an address is never a label value.
 * Names and types are in metric-table.ts.
 */

import { Counter, Gauge, Histogram } from 'prom-client'
import type { Registry } from 'prom-client'
import { AGENT_CLASSES, agentClassOf, peersByAgentClass } from './agents.js'
import type { AgentClass } from './agents.js'
import { createScrapeSnapshotReader, DIAL_OUTCOMES, finiteOrZero } from './metrics.js'
import type { P2PMetricsComponents } from './metrics.js'
import type { DiagnosticsSnapshot, DialErrorClass, NetworkCallbacks } from './source.js'

/** The `direction` label values of the byte counters. */
export const BYTE_DIRECTIONS = ['in', 'out'] as const

/** The `protocol` label value of streams of every protocol the node does not serve. */
export const OTHER_PROTOCOL = 'other'

/**
 * Protocol label values at most (a node serves about a dozen). The node names only protocols it
 * registers itself, so a peer cannot add one; this bound holds even against a faulty source:
 * protocols beyond it count as `other`.
 */
export const MAX_PROTOCOL_LABELS = 64

/** The `direction` label values of the connection metrics. */
export const CONNECTION_DIRECTIONS = ['inbound', 'outbound'] as const

/** The `transport` label values of the connection metrics. */
export const CONNECTION_TRANSPORTS = ['tcp', 'circuit-relay', 'other'] as const

/**
 * The `reason` label values of `p2p_connections_closed_total`: this node closed it cleanly
 * (`local`), the peer did (`remote`), the peer reset it (`reset`), nothing answered in time
 * (`timeout`: an idle socket, a ping without answer) or another error (`error`).
 */
export const CONNECTION_CLOSE_REASONS = ['local', 'remote', 'reset', 'timeout', 'error'] as const

/** Bucket bounds of `p2p_connection_duration_seconds`: a second to a day. */
export const CONNECTION_DURATION_BUCKETS = [1, 10, 60, 300, 900, 3_600, 14_400, 86_400]

/**
 * The `reason` label values of `p2p_dial_errors_total`: the classes of `@wes/p2p-core`'s
 * `classifyDialError` (the node classifies, this only checks the value is one of them).
 */
export const DIAL_ERROR_REASONS: readonly DialErrorClass[] = [
  'timeout',
  'refused',
  'no_route',
  'handshake',
  'denied',
  'aborted',
  'other',
]

/**
 * The `reason` label values of `p2p_inbound_refused_total`: libp2p's pending-handshake limit
 * (`--max-inbound-pending`), its per-host rate limit, its connection limit (`--max-connections`),
 * or its deny list.
 */
export const INBOUND_REFUSAL_REASONS = [
  'pending_limit',
  'rate_limit',
  'max_connections',
  'denied',
] as const

/** Bucket bounds of `p2p_ping_rtt_seconds`: 1 ms to 5 s. */
export const PING_RTT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** Bucket bounds of `p2p_dial_duration_seconds`: 5 ms to 30 s (libp2p's dial timeout is 10 s). */
export const DIAL_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

type Labels<Label extends string> = Partial<Record<Label, string>>

function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value)
}

/** Every combination of the values of some labels, for creating each series at 0. */
function combinations<Label extends string>(
  values: Readonly<Record<Label, readonly string[]>>,
): Array<Labels<Label>> {
  let out: Array<Labels<Label>> = [{}]
  for (const [label, options] of Object.entries(values) as Array<[Label, readonly string[]]>) {
    out = out.flatMap((partial) => options.map((value) => ({ ...partial, [label]: value })))
  }
  return out
}

/** Callbacks run inside the node: a metrics problem must never break it. */
function guarded<Args extends unknown[]>(update: (...args: Args) => void) {
  return (...args: Args): void => {
    try {
      update(...args)
    } catch {
      // metrics are best effort
    }
  }
}

/**
 * Moves a counter along running totals that a snapshot reports. Each read adds what a total grew
 * since the last one; after the node restarted (its `facts.startedAt` changed, or a total went
 * down) it adds the whole new total, so the counter never goes down and loses nothing it saw.
 */
export function totalsFollower<Label extends string>(
  counter: Counter<Label>,
): (snapshot: DiagnosticsSnapshot, totals: ReadonlyArray<[Labels<Label>, number]>) => void {
  let run: number | undefined
  const last = new Map<string, number>()
  return (snapshot, totals) => {
    const startedAt = snapshot.facts?.startedAt
    if (startedAt !== run) {
      run = startedAt
      last.clear()
    }
    for (const [labels, raw] of totals) {
      const total = Number.isFinite(raw) && raw > 0 ? raw : 0
      const key = JSON.stringify(labels)
      const previous = last.get(key) ?? 0
      counter.inc(labels, total >= previous ? total - previous : total)
      last.set(key, total)
    }
  }
}

/** Agent strings whose class is remembered at most (a node keeps at most 10,000 peers' agents). */
const MAX_REMEMBERED_AGENTS = 10_000

/** The agents of a source without them: one object, so its classification is kept. */
const NO_AGENTS: Readonly<Record<string, number>> = Object.freeze({})

/**
 * Registers the network metrics on `registry`:
 *
 * - `p2p_protocol_bytes_total{direction,protocol}`: stream bytes of each protocol the node
 *   serves, and `other`, read from the source's `protocols` at scrape time.
 * - `p2p_connections_opened_total{direction,transport}`,
 *   `p2p_connections_closed_total{direction,transport,reason}` and the histogram
 *   `p2p_connection_duration_seconds`, moved by `networkCallbacks`.
 * - `p2p_dial_duration_seconds{outcome}` and `p2p_dial_errors_total{reason}`: every outbound
 *   dial of the node, moved by `networkCallbacks`.
 * - `p2p_ping_rtt_seconds`: the round trips of the node's own pings (libp2p's connection monitor
 *   pings every peer every 10 s), across peers, moved by `networkCallbacks`.
 * - `p2p_peers_by_agent{agent}`: connected peers by the class of the agent they announced
 *   (`AGENT_CLASSES`: known implementations, `other`, `unknown`), read at scrape time.
 * - `p2p_inbound_refused_total{reason}`: inbound connections libp2p refused before their
 *   handshake, moved by `networkCallbacks`.
 *
 * @example
 * ```ts
 * const metrics = createNetworkMetrics(registry, { source })
 * node.network.setDiagnosticsCallbacks(metrics.networkCallbacks)
 * // rate(p2p_protocol_bytes_total{protocol="/wes/kad/1.0.0"}[5m])
 * ```
 */
export function createNetworkMetrics(registry: Registry, components: P2PMetricsComponents) {
  const readSnapshot = createScrapeSnapshotReader(components.source)
  const protocols = new Set<string>([OTHER_PROTOCOL])

  const protocolBytes: Counter<'direction' | 'protocol'> = new Counter({
    name: 'p2p_protocol_bytes_total',
    help: 'Stream bytes by protocol (payload after protocol negotiation, without framing) of every protocol the node serves; other for the rest.',
    labelNames: ['direction', 'protocol'] as const,
    registers: [registry],
    collect() {
      const snapshot = readSnapshot()
      if (snapshot?.protocols === undefined) return
      // one total per label set: protocols beyond the bound add up under `other`
      const sums = new Map<string, { in: number; out: number }>()
      for (const [name, bytes] of Object.entries(snapshot.protocols)) {
        if (!protocols.has(name) && protocols.size < MAX_PROTOCOL_LABELS) protocols.add(name)
        const protocol = protocols.has(name) ? name : OTHER_PROTOCOL
        const sum = sums.get(protocol) ?? { in: 0, out: 0 }
        sum.in += finiteOrZero(bytes.inTotalBytes)
        sum.out += finiteOrZero(bytes.outTotalBytes)
        sums.set(protocol, sum)
      }
      followProtocolBytes(
        snapshot,
        [...sums].flatMap(([protocol, sum]) =>
          BYTE_DIRECTIONS.map((direction): [Labels<'direction' | 'protocol'>, number] => [
            { direction, protocol },
            sum[direction],
          ]),
        ),
      )
    },
  })
  const followProtocolBytes = totalsFollower(protocolBytes)
  for (const direction of BYTE_DIRECTIONS) {
    protocolBytes.inc({ direction, protocol: OTHER_PROTOCOL }, 0)
  }

  const connectionLabels = { direction: CONNECTION_DIRECTIONS, transport: CONNECTION_TRANSPORTS }
  const connectionsOpened = new Counter({
    name: 'p2p_connections_opened_total',
    help: 'Connections opened, by direction (inbound, outbound) and transport (tcp, circuit-relay, other).',
    labelNames: ['direction', 'transport'] as const,
    registers: [registry],
  })
  const connectionsClosed = new Counter({
    name: 'p2p_connections_closed_total',
    help: 'Connections closed, by direction, transport and reason (local, remote, reset, timeout, error).',
    labelNames: ['direction', 'transport', 'reason'] as const,
    registers: [registry],
  })
  const connectionDuration = new Histogram({
    name: 'p2p_connection_duration_seconds',
    help: 'How long closed connections lasted, from the transport connecting to the close.',
    buckets: CONNECTION_DURATION_BUCKETS,
    registers: [registry],
  })
  // every combination exists from the start, so no series is ever absent
  for (const labels of combinations(connectionLabels)) connectionsOpened.inc(labels, 0)
  for (const labels of combinations({ ...connectionLabels, reason: CONNECTION_CLOSE_REASONS })) {
    connectionsClosed.inc(labels, 0)
  }

  const dialDuration = new Histogram({
    name: 'p2p_dial_duration_seconds',
    help: "How long outbound dials took, from entering libp2p's dial queue to a connection (success) or an error (failure).",
    labelNames: ['outcome'] as const,
    buckets: DIAL_DURATION_BUCKETS,
    registers: [registry],
  })
  const dialErrors = new Counter({
    name: 'p2p_dial_errors_total',
    help: 'Failed outbound dials by class: timeout, refused, no_route, handshake, denied, aborted, other.',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const outcome of DIAL_OUTCOMES) dialDuration.zero({ outcome })
  for (const reason of DIAL_ERROR_REASONS) dialErrors.inc({ reason }, 0)

  const pingRtt = new Histogram({
    name: 'p2p_ping_rtt_seconds',
    help: "Round trips of the node's own pings (libp2p's connection monitor pings every peer every 10 s), across peers.",
    buckets: PING_RTT_BUCKETS,
    registers: [registry],
  })

  const peersByAgent = new Gauge({
    name: 'p2p_peers_by_agent',
    help: 'Connected peers by the implementation they announce in identify (a fixed list; other for any other agent, unknown for none yet).',
    labelNames: ['agent'] as const,
    registers: [registry],
    collect() {
      const snapshot = readSnapshot()
      const counts = classifyAgents(snapshot?.agents ?? NO_AGENTS, snapshot?.peerIds.length ?? 0)
      for (const agent of AGENT_CLASSES) this.set({ agent }, counts[agent])
    },
  })
  for (const agent of AGENT_CLASSES) peersByAgent.set({ agent }, 0)
  // a node returns the same agents record until a peer comes or goes: each record is counted
  // once, and each agent string classified once (while peers come and go, most strings stay)
  const classified = new WeakMap<Readonly<Record<string, number>>, Record<AgentClass, number>>()
  const classOf = new Map<string, AgentClass>()
  const memoClassOf = (agent: string): AgentClass => {
    let found = classOf.get(agent)
    if (found === undefined) {
      // bounded: a node that saw more distinct agents than this starts the memo afresh
      if (classOf.size >= MAX_REMEMBERED_AGENTS) classOf.clear()
      found = agentClassOf(agent)
      classOf.set(agent, found)
    }
    return found
  }
  const classifyOnce = (agents: Readonly<Record<string, number>>): Record<AgentClass, number> => {
    const counts = peersByAgentClass(agents, 0, memoClassOf)
    classified.set(agents, counts)
    return counts
  }
  const classifyAgents = (
    agents: Readonly<Record<string, number>>,
    connectedPeers: number,
  ): Record<AgentClass, number> => {
    const known = classified.get(agents) ?? classifyOnce(agents)
    const announced = AGENT_CLASSES.reduce((sum, agent) => sum + known[agent], 0)
    return { ...known, unknown: Math.max(0, connectedPeers - announced) }
  }

  const inboundRefused = new Counter({
    name: 'p2p_inbound_refused_total',
    help: 'Inbound connections libp2p refused before their handshake, by reason: pending_limit (--max-inbound-pending), rate_limit (5 a second from one host), max_connections (--max-connections), denied (deny list).',
    labelNames: ['reason'] as const,
    registers: [registry],
  })
  for (const reason of INBOUND_REFUSAL_REASONS) inboundRefused.inc({ reason }, 0)

  const networkCallbacks: Required<NetworkCallbacks> = {
    onConnectionOpen: guarded(({ direction, transport }) => {
      if (isOneOf(direction, CONNECTION_DIRECTIONS) && isOneOf(transport, CONNECTION_TRANSPORTS)) {
        connectionsOpened.inc({ direction, transport })
      }
    }),
    onConnectionClose: guarded(({ direction, transport, reason, durationMs }) => {
      if (
        isOneOf(direction, CONNECTION_DIRECTIONS) &&
        isOneOf(transport, CONNECTION_TRANSPORTS) &&
        isOneOf(reason, CONNECTION_CLOSE_REASONS)
      ) {
        connectionsClosed.inc({ direction, transport, reason })
        if (Number.isFinite(durationMs) && durationMs >= 0) {
          connectionDuration.observe(durationMs / 1_000)
        }
      }
    }),
    onDialEnd: guarded(({ outcome, durationMs, errorClass }) => {
      if (!isOneOf(outcome, DIAL_OUTCOMES)) return
      if (Number.isFinite(durationMs) && durationMs >= 0) {
        dialDuration.observe({ outcome }, durationMs / 1_000)
      }
      if (outcome === 'failure') {
        dialErrors.inc({ reason: isOneOf(errorClass, DIAL_ERROR_REASONS) ? errorClass : 'other' })
      }
    }),
    onPing: guarded(({ rttMs }) => {
      if (Number.isFinite(rttMs) && rttMs >= 0) pingRtt.observe(rttMs / 1_000)
    }),
    onInboundRefused: guarded(({ reason }) => {
      if (isOneOf(reason, INBOUND_REFUSAL_REASONS)) inboundRefused.inc({ reason })
    }),
  }

  return {
    protocolBytes,
    connectionsOpened,
    connectionsClosed,
    connectionDuration,
    dialDuration,
    dialErrors,
    pingRtt,
    peersByAgent,
    inboundRefused,
    networkCallbacks,
  }
}

/** The metric handles returned by {@link createNetworkMetrics}. */
export type NetworkMetrics = ReturnType<typeof createNetworkMetrics>
