/**
 * `@wes/p2p-core`: the wes-node libp2p host. One factory, {@link createP2PNode}, builds a node
 * with TCP, noise, yamux, identify, ping, kad-dht, mDNS, AutoNAT and circuit relay v2, a
 * persisted Ed25519 identity, a discovery service whose mechanisms (bootstrap, mDNS, the DHT)
 * report every dial they cause, and a meter of the bytes on the wire. `snapshot()` reads it all
 * in one cheap call; `peerDetails()`, `connectionDetails()` and `routingDetails()` read one page
 * of per-peer, per-connection and per-bucket detail when asked. {@link createNodeControls} connects,
 * disconnects, pings and finds peers by hand.
 *
 * @example
 * ```ts
 * import { createP2PNode } from '@wes/p2p-core'
 *
 * const node = await createP2PNode({
 *   listen: ['/ip4/127.0.0.1/tcp/0'],
 *   bootstrap: ['/ip4/127.0.0.1/tcp/28680/p2p/12D3KooW...'],
 *   dht: { mode: 'server' },
 *   dataDir: '~/.wes-node'
 * })
 * node.discovery.setDiagnosticsCallbacks({
 *   onBootstrapSuccess: (peerId) => console.log('bootstrapped from', peerId),
 *   onDial: ({ mechanism, peerId, outcome }) => console.log(mechanism, peerId, outcome),
 * })
 * await node.start()
 * console.log(node.snapshot())
 * await node.stop()
 * ```
 *
 * @packageDocumentation
 */

export { createP2PNode } from './node/index.js'
export { createNodeControls, PING_ATTEMPTS } from './node/controls.js'
export type { NodeControls, PeerConnection } from './node/controls.js'
export { libp2pVersion } from './libp2p-version.js'
export type { P2PNode, P2PNodeComponents, P2PNodeStatus } from './node/index.js'
export type {
  AddressFacts,
  BootstrapPeerFacts,
  HealthFacts,
  HealthThresholds,
  HolePunchFacts,
  HolePunchResult,
  MdnsFacts,
  NatFacts,
  NodeSnapshot,
  RelayFacts,
  Reachability,
} from './snapshot.js'
export { DEFAULT_DETAILS_LIMIT, MAX_DETAILS_LIMIT, MAX_PEER_LIST_ITEMS } from './details.js'
export type {
  BucketDetails,
  ConnectionDetails,
  DetailsPage,
  DetailsQuery,
  PeerDetails,
} from './details.js'
export { classifyDialError, DIAL_ERROR_CLASSES } from './dial-error.js'
export { errorCode, errorTree } from './error-code.js'
export { isPlainObject } from './option-checks.js'
export type { DialErrorClass } from './dial-error.js'
export {
  DEFAULT_P2P_OPTIONS,
  DHT_MODES,
  LOG_FORMATS,
  LOG_LEVELS,
  resolveOptions,
} from './options.js'
export type {
  DhtMode,
  DhtOptions,
  DiscoveryOptions,
  HealthOptions,
  LogFormat,
  LogLevel,
  P2POptions,
  P2POptionsInit,
  RelayOptions,
} from './options.js'
export { IdentityError, NotStartedError, OptionsError, PeerOperationError } from './errors.js'
export type { IdentityErrorCode, PeerOperationErrorCode } from './errors.js'
export { IDENTITY_FILE_NAME, loadOrCreateIdentity } from './identity.js'
export { createBandwidthMeter } from './bandwidth-meter.js'
export type {
  BandwidthMeter,
  BandwidthMeterInit,
  BandwidthRates,
  BandwidthSnapshot,
  BandwidthTotals,
  Direction,
} from './bandwidth-meter.js'
export { createDiscoveryService } from './discovery/index.js'
export type {
  DialOutcome,
  DiscoveryCallbacks,
  DiscoveryContext,
  DiscoveryDialEvent,
  DiscoveryEventDetail,
  DiscoveryEvents,
  DiscoveryLibp2p,
  DiscoveryMechanism,
  DiscoveryService,
  DiscoveryServiceComponents,
  DiscoveryServiceInit,
  DiscoveryStats,
} from './discovery/index.js'
export { SILENT_LIBP2P_LOGGER, SILENT_LOGGER } from './logger.js'
export type { LogFields, Logger } from './logger.js'
export type { MetricsComponents, MetricsFactory } from './wire-metrics.js'
export {
  GLOBAL_TRANSFERS,
  MAX_TRANSFER_PROTOCOLS,
  OTHER_TRANSFERS,
  TransferLedger,
} from './transfer-ledger.js'
export type { TransferCount } from './transfer-ledger.js'
export {
  CONNECTION_CLOSE_REASONS,
  CONNECTION_DIRECTIONS,
  CONNECTION_TRANSPORTS,
  INBOUND_CONNECTION_THRESHOLD,
  INBOUND_REFUSAL_REASONS,
  OTHER_PROTOCOL,
  PING_PROTOCOL,
} from './network/index.js'
export type {
  ConnectionCloseEvent,
  ConnectionCloseReason,
  ConnectionDirection,
  ConnectionOpenEvent,
  ConnectionTransport,
  DialEndEvent,
  InboundRefusalFacts,
  InboundRefusalReason,
  InboundRefusedEvent,
  NetworkCallbacks,
  NetworkService,
  PingEvent,
} from './network/index.js'
