/** The discovery counts the watch view shows, read from the `discovery` key of the stats view. */
import type { StatsDiscovery, StatsResponse } from '@wes/diagnostics/client'

/**
 * Each count the view shows, by its key in the view's JSON lines, read from the stats view's
 * `discovery` (named after the metric it mirrors).
 */
export const DISCOVERY_COUNTERS = {
  /** `p2p_discovery_bootstrap_attempt_total` */
  bootstrap_attempts: (discovery: StatsDiscovery) => discovery.bootstrap.attempts,
  /** `p2p_discovery_bootstrap_success_total` */
  bootstrap_successes: (discovery: StatsDiscovery) => discovery.bootstrap.successes,
  /** `p2p_discovery_mdns_peer_found_total` */
  mdns_found: (discovery: StatsDiscovery) => discovery.mdns.found,
  /** `p2p_discovery_mdns_connect_success_total` */
  mdns_connected: (discovery: StatsDiscovery) => discovery.mdns.connected,
  /** `p2p_discovery_mdns_connect_fail_total` */
  mdns_failed: (discovery: StatsDiscovery) => discovery.mdns.failed,
} as const

export type DiscoveryKey = keyof typeof DISCOVERY_COUNTERS

/** The value of each count at one read. */
export type DiscoveryCounts = Record<DiscoveryKey, number>

export const DISCOVERY_KEYS = Object.keys(DISCOVERY_COUNTERS) as DiscoveryKey[]

/**
 * The discovery counts of a stats body (`GET /debug/p2p/stats`), or `undefined` when it has
 * none or one of them is not a number (a node older than the stats' `discovery` key).
 *
 * @example
 * discoveryCountsOf(await client.get('stats')) // { bootstrap_attempts: 3, ... }
 */
export function discoveryCountsOf(stats: StatsResponse): DiscoveryCounts | undefined {
  const discovery = stats.discovery
  if (typeof discovery !== 'object' || discovery === null) return undefined
  const counts: Partial<DiscoveryCounts> = {}
  for (const key of DISCOVERY_KEYS) {
    let value: unknown
    try {
      value = DISCOVERY_COUNTERS[key](discovery)
    } catch {
      // a part of the key missing: the same as no counts
      return undefined
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
    counts[key] = value
  }
  return counts as DiscoveryCounts
}
