/**
 * @packageDocumentation
 *
 * Prometheus metrics and HTTP debug routes for a p2p node, on prom-client and Koa.
 *
 * The package reads a node through the small {@link DiagnosticsSource} interface and never
 * imports libp2p: the application adapts its node to it. It offers six factories:
 * {@link createP2PMetrics} registers the 13 `p2p_*` metrics of the spec and
 * `p2p_routing_table_size` on a registry of your own, {@link createHealthMetrics} the health
 * verdict (`p2p_health_status`, `p2p_health_reason`), {@link createNetworkMetrics} what explains
 * the network's totals (bytes by protocol), {@link createBuildInfoMetric} `wes_node_build_info`,
 * {@link createDiagnosticsApp} builds the Koa app of `/metrics` and `/debug/p2p/*` without
 * listening (`/livez` and `/readyz` included), and {@link createDiagnosticsServer} listens on
 * `host:port`. {@link healthVerdict} is the verdict itself, a pure function of a snapshot.
 *
 * The `/debug/p2p/*` views are one typed table, {@link VIEWS}: the routes register from it, and
 * {@link createDiagnosticsClient} reads a node with it. A program that only reads a node imports
 * the light entry `@wes/diagnostics/client` (the client, the table, the address and token rules),
 * which loads neither Koa nor prom-client. The `POST /control/*` routes (connect, disconnect, ping,
 * find a peer) are a second table, {@link CONTROLS}, served only with a token and a
 * {@link ControlSource}.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client'
 * import {
 *   createBuildInfoMetric,
 *   createDiagnosticsServer,
 *   createDiscoveryTotals,
 *   createHealthMetrics,
 *   createP2PMetrics,
 *   withDiscoveryCounts,
 * } from '@wes/diagnostics'
 * import type { DiagnosticsSource } from '@wes/diagnostics'
 *
 * // one count of discovery events: the metrics and /debug/p2p/stats both read it
 * const discovery = createDiscoveryTotals()
 * const source: DiagnosticsSource = withDiscoveryCounts(
 *   { snapshot: () => (node.isRunning() ? readNode(node) : undefined) },
 *   discovery,
 * )
 * const registry = new Registry()
 * const metrics = createP2PMetrics(registry, { source, discovery })
 * node.discovery.setDiagnosticsCallbacks(metrics.discoveryCallbacks)
 * createHealthMetrics(registry, { source })
 * createBuildInfoMetric(registry, { version: '1.2.0', libp2p: '3.3.11', node: process.version })
 *
 * const server = createDiagnosticsServer({ addr: '127.0.0.1:28686' }, { source, registry })
 * await server.start()
 * console.log(`metrics on ${server.url}/metrics`)
 * // ...
 * await server.stop()
 * ```
 */

export {
  createHealthMetrics,
  createP2PMetrics,
  DIAL_OUTCOMES,
  DISCOVERY_MECHANISMS,
} from './metrics.js'
export type { HealthMetrics, P2PMetrics, P2PMetricsComponents } from './metrics.js'
export { createDiscoveryTotals, withDiscoveryCounts } from './discovery-totals.js'
export type {
  DiscoveryCounts,
  DiscoveryDialCounts,
  DiscoveryMechanism,
  DiscoveryTotals,
} from './discovery-totals.js'
export {
  BYTE_DIRECTIONS,
  CONNECTION_CLOSE_REASONS,
  CONNECTION_DIRECTIONS,
  CONNECTION_DURATION_BUCKETS,
  CONNECTION_TRANSPORTS,
  createNetworkMetrics,
  DIAL_DURATION_BUCKETS,
  DIAL_ERROR_REASONS,
  INBOUND_REFUSAL_REASONS,
  PING_RTT_BUCKETS,
  MAX_PROTOCOL_LABELS,
  OTHER_PROTOCOL,
} from './network-metrics.js'
export type { NetworkMetrics } from './network-metrics.js'
export { AGENT_CLASSES, AGENT_PREFIXES, agentClassOf, peersByAgentClass } from './agents.js'
export type { AgentClass } from './agents.js'
export {
  ADDRESS_REACHABILITY,
  createNatMetrics,
  HOLE_PUNCH_OUTCOMES,
  REACHABILITY_STATES,
  RESERVATION_EVENTS,
} from './nat-metrics.js'
export type { NatMetrics } from './nat-metrics.js'
export { createBuildInfoMetric } from './build-info.js'
export { createProcessMetrics } from './process-metrics.js'
export { collectInBackground } from './background-collect.js'
export type { CollectingMetric } from './background-collect.js'
export type { BuildInfo } from './build-info.js'

export {
  DEFAULT_HEALTH_THRESHOLDS,
  HEALTH_REASON_CODES,
  HEALTH_STATUSES,
  healthVerdict,
  healthVerdictOf,
  hostPortOf,
  INBOUND_REFUSED_WINDOW_MS,
  SYMMETRIC_NAT_MIN_PORTS,
} from './verdict.js'
export type {
  HealthReason,
  HealthReasonCode,
  HealthSeverity,
  HealthStatus,
  HealthVerdict,
} from './verdict.js'

export { readinessChecks, readyz } from './routes/probes.js'
export type { LivezResponse, ProbeCheck, ReadyzResponse } from './routes/probes.js'

export { createDiagnosticsApp } from './app.js'
export type { DiagnosticsAppComponents } from './app.js'

export { createDiagnosticsServer, DEFAULT_DIAGNOSTICS_SERVER_INIT } from './server.js'
export type {
  DiagnosticsLogger,
  DiagnosticsServer,
  DiagnosticsServerComponents,
  DiagnosticsServerInit,
} from './server.js'

export { formatHostPort, isLoopbackHost, parseHostPort, tryParseHostPort } from './host-port.js'
export type { HostPort, HostPortOptions, HostPortResult } from './host-port.js'

export { TOKEN_RULE, validateToken } from './middleware/bearer-auth.js'
export type { TokenSource } from './middleware/bearer-auth.js'

export {
  negotiateExpositionFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from './exposition-format.js'
export type { ExpositionFormat } from './exposition-format.js'
export { renderExposition, renderOpenMetrics } from './exposition.js'
export { METRICS_RENDER_CHANNEL } from './routes/metrics.js'

export * from './views/index.js'
export * from './controls/index.js'
export {
  ADDED_METRICS,
  BUILD_INFO_METRICS,
  HEALTH_METRICS,
  METRIC_TYPES,
  NAT_METRICS,
  NETWORK_METRICS,
  PROCESS_METRICS,
  SERVER_METRICS,
  SPEC_METRICS,
} from './metric-table.js'
export type { MetricType } from './metric-table.js'

export {
  CONTROL_TIMEOUT_MARGIN_MS,
  createDiagnosticsClient,
  DEFAULT_DIAGNOSTICS_CLIENT_INIT,
  DiagnosticsClientError,
  DiagnosticsHttpError,
  DiagnosticsResponseError,
  DiagnosticsTimeoutError,
  DiagnosticsUnreachableError,
} from './client.js'
export type {
  DiagnosticsClient,
  DiagnosticsClientErrorCode,
  DiagnosticsClientInit,
  VerbosePage,
} from './client.js'

export {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  MAX_PAGE_OFFSET,
  parseLimit,
  parseOffset,
} from './details.js'
export type {
  BucketDetails,
  ConnectionDetails,
  DetailsPage,
  DetailsQuery,
  DetailsSource,
  PageNumberResult,
  PeerDetails,
} from './details.js'

export { DiagnosticsServerError } from './errors.js'
export type { DiagnosticsErrorBody, DiagnosticsServerErrorCode, HttpErrorCode } from './errors.js'

export type {
  AddressFacts,
  BandwidthSnapshot,
  BootstrapPeerFacts,
  ConnectionCloseEvent,
  ConnectionOpenEvent,
  DhtMode,
  DiagnosticsSnapshot,
  DiagnosticsSource,
  DialEndEvent,
  DialErrorClass,
  DiscoveryCallbacks,
  DiscoveryDialEvent,
  HealthFacts,
  HealthSnapshot,
  HealthThresholds,
  HolePunchFacts,
  InboundRefusalFacts,
  HolePunchResult,
  MdnsFacts,
  NatFacts,
  NetworkCallbacks,
  PingEvent,
  Reachability,
  RelayFacts,
  RoutingSnapshot,
} from './source.js'
