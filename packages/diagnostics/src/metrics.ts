/**
 * The prom-client metrics of a node: the spec's 13, the additions and the health verdict's, with
 * the callbacks that move them. Over 300 lines on purpose: each metric's help and collect() read
 * best beside the others (names and types are in metric-table.ts).
 */

import { Counter, Gauge } from 'prom-client'
import type { Registry } from 'prom-client'
import { createDiscoveryTotals, DIAL_OUTCOMES, DISCOVERY_MECHANISMS } from './discovery-totals.js'
import type { DiscoveryCounts, DiscoveryTotals } from './discovery-totals.js'
import type { DiagnosticsSnapshot, DiagnosticsSource } from './source.js'
import { HEALTH_REASON_CODES, HEALTH_STATUSES, healthVerdictOf } from './verdict.js'
import type { HealthVerdict } from './verdict.js'

export { DIAL_OUTCOMES, DISCOVERY_MECHANISMS } from './discovery-totals.js'

export interface P2PMetricsComponents {
  /** Read at scrape time, once per scrape. */
  source: DiagnosticsSource
  /**
   * The discovery counts the `p2p_discovery_*` metrics read at scrape time; pass the same to
   * `withDiscoveryCounts` so `/debug/p2p/stats` shows them. Only `createP2PMetrics` reads it.
   *
   * @default a new one, moved by the returned `discoveryCallbacks`
   */
  discovery?: DiscoveryTotals
}

/**
 * Registers the 13 `p2p_*` metrics of the monitoring spec, plus `p2p_routing_table_size`,
 * `p2p_bootstrap_peers`, `p2p_bootstrap_peers_connected`, `p2p_discovery_mdns_responses_total`
 * and `p2p_discovery_dials_total{mechanism,outcome}`, on `registry` (never on prom-client's
 * global registry) and returns their handles.
 *
 * State gauges (connections, peers, bandwidth, bootstrap peers) are read from `components.source`
 * when the registry is scraped, so nothing polls while nobody scrapes; they read 0 while the source
 * has no snapshot. Discovery metrics read `components.discovery` when scraped, whose counts move
 * through `discoveryCallbacks` (its callbacks), which the app hands to the node's discovery service.
 *
 * @example
 * ```ts
 * const registry = new Registry()
 * const discovery = createDiscoveryTotals()
 * const metrics = createP2PMetrics(registry, { source: withDiscoveryCounts(source, discovery), discovery })
 * node.discovery.setDiagnosticsCallbacks(metrics.discoveryCallbacks)
 * ```
 */
export function createP2PMetrics(registry: Registry, components: P2PMetricsComponents) {
  const readSnapshot = createScrapeSnapshotReader(components.source)
  const discovery = components.discovery ?? createDiscoveryTotals()

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

  /**
   * A counter whose value is one of the discovery counts, set when scraped: it shows the count
   * itself, never a second one (the count only grows, so the counter does too).
   */
  const discoveryCounter = (
    name: string,
    help: string,
    read: (counts: DiscoveryCounts) => number,
  ): Counter =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset()
        this.inc(read(discovery.counts()))
      },
    })
  /** A gauge of the Unix second of a discovery time (Unix ms or null), 0 while null. */
  const discoveryTimeGauge = (name: string, help: string, read: () => number | null): Gauge =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const at = read()
        this.set(at === null ? 0 : Math.floor(at / 1000))
      },
    })

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
    bootstrapAttempts: discoveryCounter(
      'p2p_discovery_bootstrap_attempt_total',
      'Dials of configured bootstrap peers that were started.',
      (c) => c.bootstrap.attempts,
    ),
    bootstrapSuccesses: discoveryCounter(
      'p2p_discovery_bootstrap_success_total',
      'Dials of configured bootstrap peers that produced a connection.',
      (c) => c.bootstrap.successes,
    ),
    mdnsPeersFound: discoveryCounter(
      'p2p_discovery_mdns_peer_found_total',
      'Peers found by mDNS (never the node itself): a peer counts when it answers while neither connected nor heard from within its record TTL; every answer counts in p2p_discovery_mdns_responses_total.',
      (c) => c.mdns.found,
    ),
    mdnsConnectSuccesses: discoveryCounter(
      'p2p_discovery_mdns_connect_success_total',
      'Dials to peers found by mDNS that connected.',
      (c) => c.mdns.connected,
    ),
    mdnsConnectFailures: discoveryCounter(
      'p2p_discovery_mdns_connect_fail_total',
      'Dials to peers found by mDNS that failed.',
      (c) => c.mdns.failed,
    ),
    lastBootstrapUnixtime: discoveryTimeGauge(
      'p2p_discovery_last_bootstrap_unixtime',
      'Unix time in seconds of the last successful bootstrap dial (0 until one succeeds).',
      () => discovery.lastBootstrapSuccessAt,
    ),
    lastMdnsFoundUnixtime: discoveryTimeGauge(
      'p2p_discovery_last_mdns_found_unixtime',
      'Unix time in seconds of the last peer found by mDNS, as p2p_discovery_mdns_peer_found_total counts them (0 until one is found).',
      () => discovery.lastMdnsFoundAt,
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
    mdnsResponses: discoveryCounter(
      'p2p_discovery_mdns_responses_total',
      'mDNS answers from other peers, each one, new peer or not (a peer answers every query, about every 10 seconds).',
      (c) => c.mdns.responses,
    ),
    discoveryDials: new Counter({
      name: 'p2p_discovery_dials_total',
      help: 'Dials caused by each discovery mechanism (bootstrap, mdns, dht), by outcome.',
      labelNames: ['mechanism', 'outcome'] as const,
      registers: [registry],
      // every combination, at 0 before its first dial, so no series is ever absent
      collect() {
        const { dials } = discovery.counts()
        this.reset()
        for (const mechanism of DISCOVERY_MECHANISMS) {
          for (const outcome of DIAL_OUTCOMES) {
            this.inc(
              { mechanism, outcome },
              dials[mechanism][outcome === 'success' ? 'connected' : 'failed'],
            )
          }
        }
      },
    }),
  }
  // the discovery service moves the counts; the metrics above read them when scraped
  return { ...metrics, discoveryCallbacks: discovery.callbacks, discovery }
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

/** A number read from a snapshot, as a sample value: 0 for a missing, NaN or infinite one. */
export function finiteOrZero(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}
