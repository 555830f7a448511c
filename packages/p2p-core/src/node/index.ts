/**
 * The p2p node: a libp2p host (TCP, noise, yamux, identify, ping, kad-dht, and optionally
 * mDNS, AutoNAT and circuit relay v2) with the wes discovery service and a wire bandwidth
 * meter, under one start/stop lifecycle. Its parts are siblings of this file: `compose.ts`
 * (createLibp2p and its services), `mdns-probe.ts` (whether multicast works),
 * `lifecycle.ts` (start, stop and the snapshot).
 */

import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createBandwidthMeter } from '../bandwidth-meter.js'
import { TransferLedger } from '../transfer-ledger.js'
import { createConnectionByteCounter } from '../network/connection-bytes.js'
import { createDiscoveryService } from '../discovery/index.js'
import { loadOrCreateIdentity } from '../identity.js'
import { NetworkObserver } from '../network/index.js'
import { SILENT_LIBP2P_LOGGER, SILENT_LOGGER } from '../logger.js'
import { resolveOptions } from '../options.js'
import { composeLibp2p } from './compose.js'
import { DetailsReader } from './details-reader.js'
import { DefaultP2PNode } from './lifecycle.js'
import { MdnsState } from './mdns-probe.js'
import type { BandwidthMeter } from '../bandwidth-meter.js'
import type {
  BucketDetails,
  ConnectionDetails,
  DetailsPage,
  DetailsQuery,
  PeerDetails,
} from '../details.js'
import type { DiscoveryService } from '../discovery/index.js'
import type { NetworkService } from '../network/index.js'
import type { Logger } from '../logger.js'
import type { P2POptions, P2POptionsInit } from '../options.js'
import type { NodeSnapshot } from '../snapshot.js'
import type { MetricsFactory } from '../wire-metrics.js'
import type { ComponentLogger, Libp2p } from '@libp2p/interface'

/** Lifecycle states of a {@link P2PNode}. */
export type P2PNodeStatus = 'stopped' | 'starting' | 'started' | 'stopping'

/** Optional collaborators of a node. */
export interface P2PNodeComponents {
  /**
   * Where the node reports what it does; each part logs through `logger.forComponent(name)`
   * (`node`, `discovery`, `mdns`).
   *
   * @default silent
   */
  logger?: Logger
  /**
   * libp2p's own logger (`createLibp2p({ logger })`).
   *
   * @default silent, so libp2p writes nothing of its own even when `DEBUG` is set
   */
  libp2pLogger?: ComponentLogger
  /**
   * Where libp2p's own metrics go, e.g. `prometheusMetrics({ registry, ... })` of
   * `@libp2p/prometheus-metrics`. The wire bandwidth meter is fed either way.
   *
   * @default none: libp2p's registrations are discarded
   */
  metrics?: MetricsFactory
  /**
   * Counts the bytes behind libp2p's `libp2p_data_transfer_bytes_total` in the node
   * (`P2PNode.transfers`), with the taps its own meters use, instead of having `metrics` wrap
   * every connection and stream for them: cheaper per chunk (transfer-ledger.ts), but the
   * metric then has to be fed from `P2PNode.transfers` by whoever serves `metrics`' registry.
   *
   * @default false: `metrics` tracks them itself
   */
  countTransfers?: boolean
  /**
   * The agent identify announces to peers (their `p2p_peers_by_agent` reads it), e.g.
   * `wes-node/1.2.0 libp2p/3.3.11 node/24.11.1`.
   *
   * @default libp2p's own, `libp2p/<version> node/<version>`
   */
  userAgent?: string
}

export interface P2PNode {
  /** The node's peer ID, known from creation (it comes from the persisted identity). */
  readonly peerId: string
  /** The resolved, validated options (`bootstrap` as `setBootstrap` last set it). */
  readonly options: P2POptions
  /** The libp2p host, for what this package does not wrap. */
  readonly libp2p: Libp2p
  /** Bootstrap, mDNS and DHT dialling; set the diagnostics callbacks here. */
  readonly discovery: DiscoveryService
  /** Wire bytes of every connection, both directions. */
  readonly bandwidth: BandwidthMeter
  /**
   * libp2p's transfer totals (`libp2p_data_transfer_bytes_total`) since the node was created,
   * with `countTransfers`; `undefined` without it.
   */
  readonly transfers: TransferLedger | undefined
  /** Connections, dials, pings, peers' agents and refused connections; set its callbacks here. */
  readonly network: NetworkService
  readonly status: P2PNodeStatus
  /** Starts libp2p, then discovery. Idempotent; concurrent calls share one start. */
  start(): Promise<void>
  /** Stops discovery, then libp2p; clears every timer and listener. Idempotent. */
  stop(): Promise<void>
  /**
   * Replaces the bootstrap peers (a configuration reload): `options` and the snapshot follow,
   * and the history of a peer still listed at the same address is kept. While the node runs,
   * every listed peer not connected is dialled at once; connections to peers no longer listed
   * stay open. Returns whether the peers to dial changed.
   *
   * @throws {OptionsError} naming `bootstrap[i]` when an entry is not a multiaddr ending in
   *   `/p2p/<peer id>`; nothing is changed then
   */
  setBootstrap(bootstrap: readonly string[]): boolean
  /** The node's addresses with `/p2p/<peer id>` (empty while stopped). */
  getMultiaddrs(): string[]
  /**
   * The current state. Cheap and side-effect free.
   *
   * @throws {NotStartedError} unless `status === 'started'`
   */
  snapshot(): NodeSnapshot
  /**
   * Connected peers, the longest connected first, one page of them: addresses, protocols and
   * agent from the peer store, latency, bytes. Read only when called, never by `snapshot()`.
   *
   * @throws {NotStartedError} unless `status === 'started'`
   * @throws {RangeError} when `limit` is not 1 to 1000 or `offset` is negative
   */
  peerDetails(query?: DetailsQuery): Promise<DetailsPage<PeerDetails>>
  /**
   * Open connections, the oldest first, one page of them.
   *
   * @throws {NotStartedError} unless `status === 'started'`
   * @throws {RangeError} on a bad `limit` or `offset`
   */
  connectionDetails(query?: DetailsQuery): Promise<DetailsPage<ConnectionDetails>>
  /**
   * The kad-dht k-buckets in prefix order, one page of them.
   *
   * @throws {NotStartedError} unless `status === 'started'`
   * @throws {RangeError} on a bad `limit` or `offset`
   */
  routingDetails(query?: DetailsQuery): Promise<DetailsPage<BucketDetails>>
}

/**
 * Creates a node: resolves and validates the options, loads (or on first run creates) the
 * identity in `dataDir`, and builds libp2p without starting it.
 *
 * @throws {OptionsError} on invalid options
 * @throws {IdentityError} when the identity cannot be loaded or created
 *
 * @example
 * const node = await createP2PNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dht: { mode: 'server' } })
 * await node.start()
 * console.log(node.snapshot().listenAddrs)
 * await node.stop()
 */
export async function createP2PNode(
  init: P2POptionsInit = {},
  components: P2PNodeComponents = {},
): Promise<P2PNode> {
  const options = resolveOptions(init)
  const log = components.logger ?? SILENT_LOGGER
  const privateKey = await loadOrCreateIdentity(options.dataDir)
  const bandwidth = createBandwidthMeter()
  const connectionBytes = createConnectionByteCounter()
  const transfers = components.countTransfers === true ? new TransferLedger() : undefined
  const mdnsState = new MdnsState()
  const network = new NetworkObserver({
    dhtProtocol: options.dht.protocol,
    maxInboundPending: options.maxInboundPending,
    maxConnections: options.maxConnections,
  })

  const { libp2p, handles } = await composeLibp2p(options, {
    privateKey,
    bandwidth,
    mdnsState,
    log,
    libp2pLogger: components.libp2pLogger ?? SILENT_LIBP2P_LOGGER,
    metrics: components.metrics,
    userAgent: components.userAgent,
    onStream: network.trackStream,
    onConnection: connectionBytes.track,
    transfers,
  })
  if (!libp2p.peerId.equals(peerIdFromPrivateKey(privateKey))) {
    throw new Error('libp2p did not adopt the persisted identity')
  }
  network.attach({ libp2p, connectionManager: handles.connectionManager })

  const discovery = createDiscoveryService(
    { bootstrap: options.bootstrap, ...options.discovery },
    {
      libp2p,
      mdns: handles.mdns,
      mdnsRecordTtlMs: (peerId) => mdnsState.recordTtlMs(peerId),
      dht: handles.dhtDiscovery,
      logger: log,
    },
  )
  return new DefaultP2PNode({
    options,
    libp2p,
    handles,
    bandwidth,
    transfers,
    discovery,
    mdnsState,
    network,
    details: new DetailsReader({
      libp2p,
      connectionManager: handles.connectionManager,
      dht: handles.dht,
      bytes: connectionBytes,
    }),
    log: log.forComponent('node'),
  })
}
