/**
 * The libp2p composition of a node: `createLibp2p` with its transports, encrypter, muxer and
 * services, built from the resolved options, plus handles on the internal parts the node reads
 * (kad-dht's routing table, the address and connection managers, the relay reservations, mDNS).
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify } from '@libp2p/identify'
import { peerDiscoverySymbol } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { wireMetrics } from '../wire-metrics.js'
import { spreadConnectionMonitor } from './connection-monitor.js'
import { watchMdns } from './mdns-probe.js'
import type { BandwidthMeter } from '../bandwidth-meter.js'
import type { Logger } from '../logger.js'
import type { TransferLedger } from '../transfer-ledger.js'
import type { P2POptions } from '../options.js'
import type { ConnectionObserver, MetricsFactory, StreamObserver } from '../wire-metrics.js'
import type { ConnectionsEachPeer } from '../protocol-stream-gauges.js'
import type { NetworkConnectionManager } from '../network/index.js'
import type { MdnsHandle, MdnsState } from './mdns-probe.js'
import type { NatAddressManager } from './nat-observer.js'
import type { ReservationStoreEvents } from './relay-watch.js'
import type {
  ComponentLogger,
  Connection,
  Libp2p,
  PeerDiscovery,
  PeerDiscoveryProvider,
  PeerId,
  PrivateKey,
} from '@libp2p/interface'
import type { KadDHT, SingleKadDHT } from '@libp2p/kad-dht'

/** What the node reads from the kad-dht implementation. */
export type DhtHandle = Pick<SingleKadDHT, 'getMode' | 'routingTable'>

/**
 * What the node reads from the address manager (an internal libp2p component), and the one thing
 * it adds: the outside address of a NAT it learns of, for AutoNAT to check (nat-observer.ts).
 */
export type AddressManagerHandle = NatAddressManager

/**
 * What the node reads from the connection manager (an internal libp2p component), and the methods
 * the network observer wraps because libp2p reports nothing of them (network/).
 */
export interface ConnectionManagerHandle extends NetworkConnectionManager {
  /**
   * Each connected peer's connections, keyed by the peer IDs the connections hold (their string
   * form cached): `libp2p.getPeers()` builds new IDs from strings, and `getConnections(peer)`
   * then encodes each one again, about 12 ms of a 1,000-peer page.
   */
  getConnectionsMap(): ConnectionsByPeer
}

/** The connection manager's map of connections by peer, as far as the node reads it. */
export interface ConnectionsByPeer extends ConnectionsEachPeer {
  entries(): Iterable<[PeerId, Connection[]]>
}

export interface RelayTransportHandle {
  reservationStore?: ReservationStoreEvents
}

/** The internal parts of libp2p the node reads. */
export interface Libp2pHandles {
  dht: DhtHandle
  /** kad-dht's peer discovery: the peers its queries learn. */
  dhtDiscovery: PeerDiscovery
  addressManager: AddressManagerHandle
  connectionManager: ConnectionManagerHandle
  relayTransport?: RelayTransportHandle
  mdns?: MdnsHandle
}

export interface ComposeComponents {
  privateKey: PrivateKey
  bandwidth: BandwidthMeter
  mdnsState: MdnsState
  /** The node's logger; the mDNS probe logs through its `mdns` component. */
  log: Logger
  libp2pLogger: ComponentLogger
  metrics?: MetricsFactory
  /** What identify tells peers this node is; libp2p's own when undefined. */
  userAgent?: string
  /** Sees every negotiated stream (the node's per-protocol bytes). */
  onStream?: StreamObserver
  /** Sees every raw connection before its upgrade (the node's per-connection bytes). */
  onConnection?: ConnectionObserver
  /** Where libp2p's transfer bytes are counted instead of in `metrics` (`countTransfers`). */
  transfers?: TransferLedger
}

/** Builds libp2p (not started) and captures the handles as libp2p constructs its services. */
export async function composeLibp2p(
  options: P2POptions,
  components: ComposeComponents,
): Promise<{ libp2p: Libp2p; handles: Libp2pHandles }> {
  let dht: SingleKadDHT | undefined
  let addressManager: AddressManagerHandle | undefined
  let connectionManager: ConnectionManagerHandle | undefined
  let mdnsService: MdnsHandle | undefined
  let relayTransport: RelayTransportHandle | undefined

  const dhtFactory = kadDHT({
    protocol: options.dht.protocol,
    // undefined lets kad-dht switch to server once a public address is confirmed
    clientMode: options.dht.mode === 'auto' ? undefined : options.dht.mode === 'client',
    // the wes DHT is its own network (its own protocol id) spanning LANs and loopback: kad-dht's
    // default mapper drops private addresses, which keeps LAN and local peers out of the
    // routing table entirely
    peerInfoMapper: passthroughMapper,
  })
  const relayFactory = circuitRelayTransport()
  const mdnsFactory = mdns()

  const libp2p = await createLibp2p({
    start: false,
    privateKey: components.privateKey,
    logger: components.libp2pLogger,
    ...(components.userAgent !== undefined
      ? { nodeInfo: { userAgent: components.userAgent } }
      : {}),
    addresses: { listen: options.listen },
    transports: [
      tcp(),
      ...(options.relay.enabled
        ? [
            (c: Parameters<typeof relayFactory>[0]) => {
              const transport = relayFactory(c)
              relayTransport = transport as RelayTransportHandle
              return transport
            },
          ]
        : []),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: options.maxConnections,
      maxIncomingPendingConnections: options.maxInboundPending,
      dialTimeout: options.discovery.dialTimeoutMs,
    },
    // libp2p's pings every connection in one tick; the service below spreads them (its doc)
    connectionMonitor: { enabled: false },
    metrics: wireMetrics(
      components.bandwidth,
      components.metrics,
      components.onStream,
      components.onConnection,
      components.transfers,
    ),
    services: {
      identify: identify(),
      ping: ping(),
      connectionMonitor: spreadConnectionMonitor(),
      dht: (c: Parameters<typeof dhtFactory>[0]): KadDHT => {
        const service = dhtFactory(c)
        dht = service as SingleKadDHT
        // the DHT's components include the address manager, which AutoNAT updates
        addressManager = c.addressManager
        connectionManager = c.connectionManager
        return service
      },
      // AutoNAT v2, not v1: v1's server (@libp2p/autonat 3.0.28) dials back without `force`,
      // gets the requester's own connection back, fails its address check and closes that
      // connection, so two public nodes drop each other right after identify (docs/upstream.md).
      // v2 dials back on a fresh connection and verifies each address on its own.
      ...(options.autonat ? { autoNAT: autoNATv2() } : {}),
      ...(options.mdns
        ? {
            mdns: (c: Parameters<typeof mdnsFactory>[0]) => {
              const service = mdnsFactory(c) as unknown as MdnsHandle
              watchMdns(
                service,
                components.mdnsState,
                components.log.forComponent('mdns'),
                peerIdFromPrivateKey(components.privateKey).toString(),
              )
              mdnsService = service
              return service
            },
          }
        : {}),
      ...(options.relay.server ? { relay: circuitRelayServer() } : {}),
      // hole punching upgrades relayed connections to direct ones; it needs the relay client
      ...(options.relay.enabled ? { dcutr: dcutr() } : {}),
    },
  })

  const dhtDiscovery = (dht as Partial<PeerDiscoveryProvider> | undefined)?.[peerDiscoverySymbol]
  if (dht == null || dhtDiscovery == null || addressManager == null || connectionManager == null) {
    // services are constructed by createLibp2p; reaching this means libp2p changed its contract
    await libp2p.stop()
    throw new Error('libp2p did not construct the kad-dht service')
  }
  return {
    libp2p,
    handles: {
      dht,
      dhtDiscovery,
      addressManager,
      connectionManager,
      relayTransport,
      mdns: mdnsService,
    },
  }
}
