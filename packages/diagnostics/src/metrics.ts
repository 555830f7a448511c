/**
 * The prom-client metrics of a node: the spec's 13, the additions and the health verdict's, with
 * the callbacks that move them. Over 300 lines on purpose: each metric's help and collect() read
 * best beside the others (names and types are in metric-table.ts).
 */

import { Counter, Gauge } from 'prom-client'
import type { Registry } from 'prom-client'
import type { DiagnosticsSnapshot, DiagnosticsSource, DiscoveryCallbacks } from './source.js'
import { HEALTH_REASON_CODES, HEALTH_STATUSES, healthVerdictOf } from './verdict.js'
import type { HealthVerdict } from './verdict.js'

/**
 * The `mechanism` label values of `p2p_discovery_dials_total`: the one place outside
 * `@wes/p2p-core` that a new discovery mechanism touches. Dials of a mechanism not listed here
 * are not counted, so a label never takes a value outside this set.
 */
export const DISCOVERY_MECHANISMS = ['bootstrap', 'mdns', 'dht'] as const

/** The `outcome` label values of `p2p_discovery_dials_total`. */
export const DIAL_OUTCOMES = ['success', 'failure'] as const

export interface P2PMetricsComponents {
  /** Read at scrape time, once per scrape. */
  source: DiagnosticsSource
}

/**
 * Registers the 13 `p2p_*` metrics of the monitoring spec, plus `p2p_routing_table_size`,
 * `p2p_bootstrap_peers`, `p2p_bootstrap_peers_connected`, `p2p_discovery_mdns_responses_total`
 * and `p2p_discovery_dials_total{mechanism,outcome}`, on `registry` (never on prom-client's
 * global registry) and returns their handles.
 *
 * State gauges (connections, peers, bandwidth, bootstrap peers) are read from `components.source`
 * when the registry is scraped, so nothing polls while nobody scrapes; they read 0 while the source
 * has no snapshot. Discovery counters move through `discoveryCallbacks`, which the app hands to the
 * node's discovery service.
 *
 * @example
 * ```ts
 * const registry = new Registry()
 * const metrics = createP2PMetrics(registry, { source })
 * discovery.setDiagnosticsCallbacks(metrics.discoveryCallbacks)
 * ```
 */
export function createP2PMetrics(registry: Registry, components: P2PMetricsComponents) {
  const readSnapshot = createScrapeSnapshotReader(components.source)

  /** A gauge whose value is read from the snapshot when scraped, 0 without a snapshot. */
  const stateGauge = (
    name: string,
    help: string,
    read: (snapshot: DiagnosticsSnapshot) => number,
  ): Gauge =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const snapshot = readSnapshot()
        this.set(snapshot === undefined ? 0 : finiteOrZero(read(snapshot)))
      },
    })

  const counter = (name: string, help: string): Counter =>
    new Counter({ name, help, registers: [registry] })
  const gauge = (name: string, help: string): Gauge =>
    new Gauge({ name, help, registers: [registry] })

  const metrics = {
    connections: stateGauge(
      'p2p_connections_total',
      'Number of open p2p connections right now (a gauge, despite the _total suffix).',
      (s) => s.connections,
    ),
    peers: stateGauge(
      'p2p_peers_total',
      'Number of distinct connected peers right now (a gauge, despite the _total suffix).',
      (s) => s.peerIds.length,
    ),
    bandwidthInRate: stateGauge(
      'p2p_bandwidth_in_rate_bytes_per_sec',
      'Inbound bytes per second on the wire over the recent window (at most 10 seconds).',
      (s) => s.bandwidth.inRateBytesPerSecond,
    ),
    bandwidthOutRate: stateGauge(
      'p2p_bandwidth_out_rate_bytes_per_sec',
      'Outbound bytes per second on the wire over the recent window (at most 10 seconds).',
      (s) => s.bandwidth.outRateBytesPerSecond,
    ),
    bandwidthInTotal: stateGauge(
      'p2p_bandwidth_in_total_bytes',
      'Inbound bytes received on the wire since the node started.',
      (s) => s.bandwidth.inTotalBytes,
    ),
    bandwidthOutTotal: stateGauge(
      'p2p_bandwidth_out_total_bytes',
      'Outbound bytes sent on the wire since the node started.',
      (s) => s.bandwidth.outTotalBytes,
    ),
    bootstrapAttempts: counter(
      'p2p_discovery_bootstrap_attempt_total',
      'Dials of configured bootstrap peers that were started.',
    ),
    bootstrapSuccesses: counter(
      'p2p_discovery_bootstrap_success_total',
      'Dials of configured bootstrap peers that produced a connection.',
    ),
    mdnsPeersFound: counter(
      'p2p_discovery_mdns_peer_found_total',
      'Peers found by mDNS (never the node itself): a peer counts when it answers while neither connected nor heard from within its record TTL; every answer counts in p2p_discovery_mdns_responses_total.',
    ),
    mdnsConnectSuccesses: counter(
      'p2p_discovery_mdns_connect_success_total',
      'Dials to peers found by mDNS that connected.',
    ),
    mdnsConnectFailures: counter(
      'p2p_discovery_mdns_connect_fail_total',
      'Dials to peers found by mDNS that failed.',
    ),
    lastBootstrapUnixtime: gauge(
      'p2p_discovery_last_bootstrap_unixtime',
      'Unix time in seconds of the last successful bootstrap dial (0 until one succeeds).',
    ),
    lastMdnsFoundUnixtime: gauge(
      'p2p_discovery_last_mdns_found_unixtime',
      'Unix time in seconds of the last peer found by mDNS, as p2p_discovery_mdns_peer_found_total counts them (0 until one is found).',
    ),
    // Beyond the spec's 13 (DESIGN.md allows additions): the alert "routing table empty" needs it.
    routingTableSize: stateGauge(
      'p2p_routing_table_size',
      'Peers in the kad-dht routing table right now.',
      (s) => s.routing.routingTableSize,
    ),
    // A bootstrap peer connected by whatever way (it dialled us, the DHT did) is a bootstrap that
    // works, which the dial counters cannot tell: P2PBootstrapNotSucceeding reads these two.
    bootstrapPeers: stateGauge(
      'p2p_bootstrap_peers',
      'Configured bootstrap peers right now (distinct peer IDs, never the node itself).',
      (s) => s.facts?.bootstrap.length ?? s.routing.bootstrapPeers,
    ),
    bootstrapPeersConnected: stateGauge(
      'p2p_bootstrap_peers_connected',
      'Configured bootstrap peers connected right now, whoever dialled (never the node itself).',
      (s) => s.facts?.bootstrap.filter((peer) => peer.connected).length ?? 0,
    ),
    // every answer, which p2p_discovery_mdns_peer_found_total no longer counts
    mdnsResponses: counter(
      'p2p_discovery_mdns_responses_total',
      'mDNS answers from other peers, each one, new peer or not (a peer answers every query, about every 10 seconds).',
    ),
    discoveryDials: new Counter({
      name: 'p2p_discovery_dials_total',
      help: 'Dials caused by each discovery mechanism (bootstrap, mdns, dht), by outcome.',
      labelNames: ['mechanism', 'outcome'] as const,
      registers: [registry],
    }),
  }
  // every combination exists from the start, so no series is ever absent
  for (const mechanism of DISCOVERY_MECHANISMS) {
    for (const outcome of DIAL_OUTCOMES) metrics.discoveryDials.inc({ mechanism, outcome }, 0)
  }

  // Callbacks run inside the discovery service: a metrics problem must never break discovery.
  const guarded =
    <Args extends unknown[]>(update: (...args: Args) => void) =>
    (...args: Args): void => {
      try {
        update(...args)
      } catch {
        // metrics are best effort
      }
    }

  const discoveryCallbacks: Required<DiscoveryCallbacks> = {
    onDial: guarded(({ mechanism, outcome }) => {
      if (isOneOf(mechanism, DISCOVERY_MECHANISMS) && isOneOf(outcome, DIAL_OUTCOMES)) {
        metrics.discoveryDials.inc({ mechanism, outcome })
      }
    }),
    onBootstrapAttempt: guarded(() => metrics.bootstrapAttempts.inc()),
    onBootstrapSuccess: guarded(() => {
      metrics.bootstrapSuccesses.inc()
      metrics.lastBootstrapUnixtime.set(unixSecondsNow())
    }),
    // failures show as attempts rising while successes stay flat
    onBootstrapFailure: guarded(() => {}),
    onMdnsPeerFound: guarded(() => {
      metrics.mdnsPeersFound.inc()
      metrics.lastMdnsFoundUnixtime.set(unixSecondsNow())
    }),
    onMdnsResponse: guarded(() => metrics.mdnsResponses.inc()),
    onMdnsConnectSuccess: guarded(() => metrics.mdnsConnectSuccesses.inc()),
    onMdnsConnectFail: guarded(() => metrics.mdnsConnectFailures.inc()),
  }

  return { ...metrics, discoveryCallbacks }
}

/** The metric handles and discovery callbacks returned by {@link createP2PMetrics}. */
export type P2PMetrics = ReturnType<typeof createP2PMetrics>

/**
 * Registers the health verdict as metrics for alerts, computed when the registry is scraped from
 * the same verdict as `/debug/p2p/health`:
 *
 * - `p2p_health_status{status}`: 1 for the node's status (`ok`, `degraded`, `down`), 0 for the
 *   other two; all three always present. A node that does not run reads `down`.
 * - `p2p_health_reason{code}`: 1 while the reason is active, 0 otherwise; every code of
 *   `HEALTH_REASON_CODES` present from the start.
 *
 * @example
 * ```ts
 * createHealthMetrics(registry, { source })
 * // alert: p2p_health_status{status="ok"} == 0 for 10m; p2p_health_reason{code="bootstrap_unreachable"} == 1
 * ```
 */
export function createHealthMetrics(registry: Registry, components: P2PMetricsComponents) {
  const readVerdict = createScrapeVerdictReader(components.source)

  /**
   * A gauge with one series per value of a fixed set, 1 for the values `active()` holds at
   * scrape time; until the first scrape, 1 for those of `initial`.
   */
  const flags = <Label extends string>(
    name: string,
    help: string,
    label: Label,
    values: readonly string[],
    active: () => ReadonlySet<string>,
    initial: ReadonlySet<string> = new Set(),
  ): Gauge<Label> => {
    const setAll = (gauge: Gauge<Label>, on: ReadonlySet<string>): void => {
      for (const value of values) {
        gauge.set({ [label]: value } as Partial<Record<Label, string>>, on.has(value) ? 1 : 0)
      }
    }
    const gauge = new Gauge<Label>({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        setAll(this, active())
      },
    })
    // every series exists from the start, before the first scrape too
    setAll(gauge, initial)
    return gauge
  }

  return {
    status: flags(
      'p2p_health_status',
      'The health verdict of /debug/p2p/health: 1 for the current status (ok, degraded, down), 0 for the others.',
      'status',
      HEALTH_STATUSES,
      () => new Set([readVerdict()?.status ?? 'down']),
      new Set(['down']),
    ),
    reason: flags(
      'p2p_health_reason',
      'Reasons of the health verdict by code: 1 while active, 0 otherwise.',
      'code',
      HEALTH_REASON_CODES,
      () => new Set(readVerdict()?.reasons.map((r) => r.code)),
    ),
  }
}

/** The metric handles returned by {@link createHealthMetrics}. */
export type HealthMetrics = ReturnType<typeof createHealthMetrics>

/** The verdict of the scrape's snapshot, judged once per scrape (undefined: no snapshot). */
function createScrapeVerdictReader(source: DiagnosticsSource): () => HealthVerdict | undefined {
  const readSnapshot = createScrapeSnapshotReader(source)
  const verdicts = new WeakMap<DiagnosticsSnapshot, HealthVerdict>()
  return () => {
    const snapshot = readSnapshot()
    if (snapshot === undefined) return undefined
    let verdict = verdicts.get(snapshot)
    if (verdict === undefined) {
      verdict = healthVerdictOf(snapshot)
      verdicts.set(snapshot, verdict)
    }
    return verdict
  }
}

/**
 * Reads the source at most once per scrape. prom-client calls every metric's `collect()` in the
 * same synchronous pass of `registry.metrics()`, so a value cached until the next microtask is
 * shared by all gauges of one scrape, and never outlives it. A throwing source reads as not ready:
 * `/metrics` keeps answering (the `/debug/p2p/*` routes report the failure).
 */
export function createScrapeSnapshotReader(
  source: DiagnosticsSource,
): () => DiagnosticsSnapshot | undefined {
  let cached: { snapshot: DiagnosticsSnapshot | undefined } | undefined
  return () => {
    if (cached === undefined) {
      let snapshot: DiagnosticsSnapshot | undefined
      try {
        snapshot = source.snapshot()
      } catch {
        snapshot = undefined
      }
      cached = { snapshot }
      queueMicrotask(() => {
        cached = undefined
      })
    }
    return cached.snapshot
  }
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value)
}

function unixSecondsNow(): number {
  return Math.floor(Date.now() / 1000)
}

/** A number read from a snapshot, as a sample value: 0 for a missing, NaN or infinite one. */
export function finiteOrZero(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}
