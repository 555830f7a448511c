/** The discovery counters of `/metrics` that the watch view shows, and how to read them. */

/** Each counter the view shows, by its key in the view's JSON lines, with its metric name. */
export const DISCOVERY_COUNTERS = {
  bootstrap_attempts: 'p2p_discovery_bootstrap_attempt_total',
  bootstrap_successes: 'p2p_discovery_bootstrap_success_total',
  mdns_found: 'p2p_discovery_mdns_peer_found_total',
  mdns_connected: 'p2p_discovery_mdns_connect_success_total',
  mdns_failed: 'p2p_discovery_mdns_connect_fail_total',
} as const

export type DiscoveryKey = keyof typeof DISCOVERY_COUNTERS

/** The value of each counter at one read. */
export type DiscoveryCounts = Record<DiscoveryKey, number>

export const DISCOVERY_KEYS = Object.keys(DISCOVERY_COUNTERS) as DiscoveryKey[]

/**
 * The discovery counters of a Prometheus text exposition (`GET /metrics`): each one's unlabelled
 * sample, or `undefined` when one of them is missing (a node that does not count discovery).
 *
 * @example
 * parseDiscoveryCounts('p2p_discovery_bootstrap_attempt_total 3\n...') // { bootstrap_attempts: 3, ... }
 */
export function parseDiscoveryCounts(text: string): DiscoveryCounts | undefined {
  const wanted = new Map<string, DiscoveryKey>(
    DISCOVERY_KEYS.map((key) => [DISCOVERY_COUNTERS[key], key]),
  )
  const counts: Partial<DiscoveryCounts> = {}
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    // `name value` or `name{} value`, an optional timestamp after it
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{\})?\s+(\S+)/.exec(line)
    if (match === null) continue
    const key = wanted.get(match[1] as string)
    const value = Number(match[2])
    if (key !== undefined && Number.isFinite(value)) counts[key] = value
  }
  return DISCOVERY_KEYS.every((key) => counts[key] !== undefined)
    ? (counts as DiscoveryCounts)
    : undefined
}
