/**
 * The names and types of the metrics the diagnostics export: the public contract that
 * dashboards, alert rules and scripts in the wild depend on (`docs/monitoring.md`, section 2).
 * `metrics.ts` defines them; the tests read this table rather than a copy. The exception is
 * `scripts/verify_p2p_monitoring.sh`, which runs without a build: a unit test holds its copy of
 * `SPEC_METRICS` equal to this one.
 */

export type MetricType = 'gauge' | 'counter' | 'histogram'

/** The spec's 13, names and types exact (including its gauges named `_total`). */
export const SPEC_METRICS = {
  p2p_connections_total: 'gauge',
  p2p_peers_total: 'gauge',
  p2p_bandwidth_in_rate_bytes_per_sec: 'gauge',
  p2p_bandwidth_out_rate_bytes_per_sec: 'gauge',
  p2p_bandwidth_in_total_bytes: 'gauge',
  p2p_bandwidth_out_total_bytes: 'gauge',
  p2p_discovery_bootstrap_attempt_total: 'counter',
  p2p_discovery_bootstrap_success_total: 'counter',
  p2p_discovery_mdns_peer_found_total: 'counter',
  p2p_discovery_mdns_connect_success_total: 'counter',
  p2p_discovery_mdns_connect_fail_total: 'counter',
  p2p_discovery_last_bootstrap_unixtime: 'gauge',
  p2p_discovery_last_mdns_found_unixtime: 'gauge',
} as const satisfies Record<string, MetricType>

/** Added beyond the spec by `createP2PMetrics`; labels come from fixed sets. */
export const ADDED_METRICS = {
  p2p_routing_table_size: 'gauge',
  p2p_bootstrap_peers: 'gauge',
  p2p_bootstrap_peers_connected: 'gauge',
  p2p_discovery_dials_total: 'counter',
  p2p_discovery_mdns_responses_total: 'counter',
} as const satisfies Record<string, MetricType>

/** The verdict's metrics, registered by `createHealthMetrics`. */
export const HEALTH_METRICS = {
  p2p_health_status: 'gauge',
  p2p_health_reason: 'gauge',
} as const satisfies Record<string, MetricType>

/** What the node runs, registered by `createBuildInfoMetric`: one series, always 1. */
export const BUILD_INFO_METRICS = {
  wes_node_build_info: 'gauge',
} as const satisfies Record<string, MetricType>

/**
 * What the node's network does beyond the totals, registered by `createNetworkMetrics`: labels
 * from fixed sets, every series created at 0.
 */
export const NETWORK_METRICS = {
  p2p_protocol_bytes_total: 'counter',
  p2p_connections_opened_total: 'counter',
  p2p_connections_closed_total: 'counter',
  p2p_connection_duration_seconds: 'histogram',
  p2p_dial_duration_seconds: 'histogram',
  p2p_dial_errors_total: 'counter',
  p2p_ping_rtt_seconds: 'histogram',
  p2p_peers_by_agent: 'gauge',
  p2p_inbound_refused_total: 'counter',
} as const satisfies Record<string, MetricType>

/** Reachability, relays and hole punching, registered by `createNatMetrics`. */
export const NAT_METRICS = {
  p2p_reachability: 'gauge',
  p2p_addresses: 'gauge',
  p2p_relay_reservations: 'gauge',
  p2p_relay_reservations_total: 'counter',
  p2p_relayed_connections: 'gauge',
  p2p_relay_server_reservations: 'gauge',
  p2p_holepunch_total: 'counter',
  p2p_holepunch_duration_seconds: 'histogram',
} as const satisfies Record<string, MetricType>

/**
 * The standard runtime metrics, prom-client's names and types, registered by
 * `createProcessMetrics` (on by default; `--no-process-metrics` leaves them out). In collection
 * order: prom-client sets a family's values in its first member's collect (CPU user, heap total,
 * event-loop lag), so that one comes first.
 */
export const PROCESS_METRICS = {
  process_cpu_user_seconds_total: 'counter',
  process_cpu_system_seconds_total: 'counter',
  process_cpu_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  process_open_fds: 'gauge',
  process_max_fds: 'gauge',
  process_start_time_seconds: 'gauge',
  nodejs_heap_size_total_bytes: 'gauge',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
  nodejs_gc_duration_seconds: 'histogram',
} as const satisfies Record<string, MetricType>

/** The diagnostics server's own, registered by `createDiagnosticsApp` on the registry it serves. */
export const SERVER_METRICS = {
  p2p_diagnostics_unauthorized_total: 'counter',
} as const satisfies Record<string, MetricType>

/** Every metric a wired node exports besides libp2p's own `libp2p_*` families. */
export const METRIC_TYPES: Readonly<Record<string, MetricType>> = {
  ...SPEC_METRICS,
  ...ADDED_METRICS,
  ...HEALTH_METRICS,
  ...BUILD_INFO_METRICS,
  ...NETWORK_METRICS,
  ...NAT_METRICS,
  ...PROCESS_METRICS,
  ...SERVER_METRICS,
}
