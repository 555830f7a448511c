/**
 * The discovery counts of a node, kept in one place: the discovery service moves them through the
 * callbacks, the `p2p_discovery_*` metrics read them at scrape time, and the snapshot carries them
 * to `GET /debug/p2p/stats` (`discovery`). One count, so the metrics and the view never disagree.
 */

import type { DiagnosticsSource, DiscoveryCallbacks } from './source.js'

/**
 * The `mechanism` label values of `p2p_discovery_dials_total`: the one place outside
 * `@wes/p2p-core` that a new discovery mechanism touches. Dials of a mechanism not listed here
 * are not counted, so a label never takes a value outside this set.
 */
export const DISCOVERY_MECHANISMS = ['bootstrap', 'mdns', 'dht'] as const

/** The `outcome` label values of `p2p_discovery_dials_total`. */
export const DIAL_OUTCOMES = ['success', 'failure'] as const

export type DiscoveryMechanism = (typeof DISCOVERY_MECHANISMS)[number]

/** Dials one discovery mechanism caused, by how they ended. */
export interface DiscoveryDialCounts {
  /** `p2p_discovery_dials_total{mechanism,outcome="success"}` */
  connected: number
  /** `p2p_discovery_dials_total{mechanism,outcome="failure"}` */
  failed: number
}

/** The discovery counts since the node's process started; each is the value of its metric. */
export interface DiscoveryCounts {
  bootstrap: {
    /** `p2p_discovery_bootstrap_attempt_total`: dials of configured bootstrap peers started. */
    attempts: number
    /** `p2p_discovery_bootstrap_success_total`: those that produced a connection. */
    successes: number
  }
  mdns: {
    /** `p2p_discovery_mdns_peer_found_total`: peers found (not connected, not heard within TTL). */
    found: number
    /** `p2p_discovery_mdns_responses_total`: every answer from another peer. */
    responses: number
    /** `p2p_discovery_mdns_connect_success_total`: dials to found peers that connected. */
    connected: number
    /** `p2p_discovery_mdns_connect_fail_total`: dials to found peers that failed. */
    failed: number
  }
  /** `p2p_discovery_dials_total{mechanism,outcome}`: every dial each mechanism caused. */
  dials: Record<DiscoveryMechanism, DiscoveryDialCounts>
}

/** The counts, the callbacks that move them, and the times of the last finds. */
export interface DiscoveryTotals {
  /** Hand these to the node's discovery service (`setDiagnosticsCallbacks`); they never throw. */
  readonly callbacks: Required<DiscoveryCallbacks>
  /** A copy of the counts now. */
  counts(): DiscoveryCounts
  /** Unix ms of the last successful bootstrap dial; null until one succeeds. */
  readonly lastBootstrapSuccessAt: number | null
  /** Unix ms of the last peer found by mDNS; null until one is found. */
  readonly lastMdnsFoundAt: number | null
}

function zeroCounts(): DiscoveryCounts {
  const dials = Object.fromEntries(
    DISCOVERY_MECHANISMS.map((mechanism) => [mechanism, { connected: 0, failed: 0 }]),
  ) as Record<DiscoveryMechanism, DiscoveryDialCounts>
  return {
    bootstrap: { attempts: 0, successes: 0 },
    mdns: { found: 0, responses: 0, connected: 0, failed: 0 },
    dials,
  }
}

/** A copy for a reader: nothing it does reaches the counts (structuredClone costs 20x more). */
function copyCounts({ bootstrap, mdns, dials }: DiscoveryCounts): DiscoveryCounts {
  return {
    bootstrap: { ...bootstrap },
    mdns: { ...mdns },
    dials: Object.fromEntries(
      DISCOVERY_MECHANISMS.map((mechanism) => [mechanism, { ...dials[mechanism] }]),
    ) as Record<DiscoveryMechanism, DiscoveryDialCounts>,
  }
}

/**
 * Creates a node's discovery counts, all 0.
 *
 * @example
 * ```ts
 * const discovery = createDiscoveryTotals()
 * node.discovery.setDiagnosticsCallbacks(discovery.callbacks)
 * createP2PMetrics(registry, { source, discovery })
 * ```
 */
export function createDiscoveryTotals(now: () => number = Date.now): DiscoveryTotals {
  const counts = zeroCounts()
  let lastBootstrapSuccessAt: number | null = null
  let lastMdnsFoundAt: number | null = null

  // Callbacks run inside the discovery service: counting must never break discovery.
  const guarded =
    <Args extends unknown[]>(update: (...args: Args) => void) =>
    (...args: Args): void => {
      try {
        update(...args)
      } catch {
        // counting is best effort
      }
    }

  const callbacks: Required<DiscoveryCallbacks> = {
    onDial: guarded(({ mechanism, outcome }) => {
      if (!isOneOf(mechanism, DISCOVERY_MECHANISMS) || !isOneOf(outcome, DIAL_OUTCOMES)) return
      counts.dials[mechanism][outcome === 'success' ? 'connected' : 'failed']++
    }),
    onBootstrapAttempt: guarded(() => {
      counts.bootstrap.attempts++
    }),
    onBootstrapSuccess: guarded(() => {
      counts.bootstrap.successes++
      lastBootstrapSuccessAt = now()
    }),
    // failures show as attempts rising while successes stay flat
    onBootstrapFailure: guarded(() => {}),
    onMdnsPeerFound: guarded(() => {
      counts.mdns.found++
      lastMdnsFoundAt = now()
    }),
    onMdnsResponse: guarded(() => {
      counts.mdns.responses++
    }),
    onMdnsConnectSuccess: guarded(() => {
      counts.mdns.connected++
    }),
    onMdnsConnectFail: guarded(() => {
      counts.mdns.failed++
    }),
  }

  return {
    callbacks,
    counts: () => copyCounts(counts),
    get lastBootstrapSuccessAt() {
      return lastBootstrapSuccessAt
    },
    get lastMdnsFoundAt() {
      return lastMdnsFoundAt
    },
  }
}

/**
 * `source` with the discovery counts in each snapshot (`snapshot.discovery`), which
 * `GET /debug/p2p/stats` answers as its `discovery` key. Its detail reads are passed through.
 */
export function withDiscoveryCounts(
  source: DiagnosticsSource,
  discovery: Pick<DiscoveryTotals, 'counts'>,
): DiagnosticsSource {
  return {
    snapshot: () => {
      const snapshot = source.snapshot()
      return snapshot === undefined ? undefined : { ...snapshot, discovery: discovery.counts() }
    },
    ...(source.peerDetails ? { peerDetails: source.peerDetails.bind(source) } : {}),
    ...(source.connectionDetails
      ? { connectionDetails: source.connectionDetails.bind(source) }
      : {}),
    ...(source.routingDetails ? { routingDetails: source.routingDetails.bind(source) } : {}),
  }
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value)
}
