/**
 * The p2p node: a libp2p host (TCP, noise, yamux, identify, ping, kad-dht, and optionally
 * mDNS, AutoNAT and circuit relay v2) with the wes discovery service and a wire bandwidth
 * meter, under one start/stop lifecycle.
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { createBandwidthMeter } from './bandwidth-meter.js'
import { createDiscoveryService } from './discovery-service.js'
import { NotStartedError } from './errors.js'
import { loadOrCreateIdentity } from './identity.js'
import { SILENT_LOGGER, describeError } from './logger.js'
import { resolveOptions } from './options.js'
import { reachabilityOf } from './reachability.js'
import { wireMetrics } from './wire-metrics.js'
import type { BandwidthMeter } from './bandwidth-meter.js'
import type { DiscoveryService } from './discovery-service.js'
import type { Logger } from './logger.js'
import type { P2POptions, P2POptionsInit } from './options.js'
import type { AddressWithMetadata, ReachabilityVerdict } from './reachability.js'
import type { NodeSnapshot } from './snapshot.js'
import type { Libp2p, PeerDiscoveryEvents } from '@libp2p/interface'
import type { KadDHT, SingleKadDHT } from '@libp2p/kad-dht'
import type { TypedEventTarget } from 'main-event'

/** Lifecycle states of a {@link P2PNode}. */
export type P2PNodeStatus = 'stopped' | 'starting' | 'started' | 'stopping'

/** Optional collaborators of a node. */
export interface P2PNodeComponents {
  /** Where the node reports what it does. @default silent */
  logger?: Logger
}

export interface P2PNode {
  /** The node's peer ID, known from creation (it comes from the persisted identity). */
  readonly peerId: string
  /** The resolved, validated options. */
  readonly options: P2POptions
  /** The libp2p host, for what this package does not wrap. */
  readonly libp2p: Libp2p
  /** Bootstrap and mDNS dialling; set the diagnostics callbacks here. */
  readonly discovery: DiscoveryService
  /** Wire bytes of every connection, both directions. */
  readonly bandwidth: BandwidthMeter
  readonly status: P2PNodeStatus
  /** Starts libp2p, then discovery. Idempotent; concurrent calls share one start. */
  start(): Promise<void>
  /** Stops discovery, then libp2p; clears every timer and listener. Idempotent. */
  stop(): Promise<void>
  /** The node's addresses with `/p2p/<peer id>` (empty while stopped). */
  getMultiaddrs(): string[]
  /**
   * The current state. Cheap and side-effect free.
   *
   * @throws {NotStartedError} unless `status === 'started'`
   */
  snapshot(): NodeSnapshot
}

/** How long `start()` waits for the mDNS socket to report whether multicast works. */
const MDNS_READY_TIMEOUT_MS = 2_000

/** What the node reads from the kad-dht implementation. */
type DhtHandle = Pick<SingleKadDHT, 'getMode' | 'routingTable'>

/** What the node reads from the address manager (an internal libp2p component). */
interface AddressManagerHandle {
  getAddressesWithMetadata(): AddressWithMetadata[]
}

/** What the node reads from the connection manager (an internal libp2p component). */
interface ConnectionManagerHandle {
  getConnectionsMap(): {
    entries(): Iterable<[{ toString(): string }, ReadonlyArray<{ status: string }>]>
  }
}

/**
 * How long derived state may be served from memory. Every change libp2p announces drops it at
 * once (`self:peer:update` for the node's addresses and reachability, `connection:open`/`close`
 * for peers and connections); the bound only covers changes it does not announce, such as a
 * connection turning from open to closing.
 */
const CACHE_MS = 1_000

/** Events after which the node's own addresses or its connections must be read again. */
const SELF_EVENTS = ['self:peer:update'] as const
const CONNECTION_EVENTS = ['connection:open', 'connection:close'] as const

/** The multicast-dns socket wrapper inside the mDNS service. */
interface MulticastSocket {
  on(event: 'ready' | 'networkInterface', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  removeListener(event: string, listener: (...args: never[]) => void): unknown
}

/** The mDNS service instance (`@libp2p/mdns` `MulticastDNS`). */
interface MdnsHandle extends TypedEventTarget<PeerDiscoveryEvents> {
  mdns?: MulticastSocket
  start(): Promise<void>
}

interface RelayTransportHandle {
  reservationStore?: { reservationCount(): number }
}

/** What we learn about mDNS while it runs. */
class MdnsState {
  started = false
  bound = false
  joined = false
  failure?: string
  private waiters: Array<() => void> = []

  get available(): boolean {
    return this.started && this.bound && this.joined && this.failure == null
  }

  get settled(): boolean {
    return !this.started || this.failure != null || (this.bound && this.joined)
  }

  reset(): void {
    this.started = false
    this.bound = false
    this.joined = false
    this.failure = undefined
  }

  update(change: () => void): void {
    change()
    if (this.settled) {
      const waiters = this.waiters
      this.waiters = []
      waiters.forEach((resolve) => {
        resolve()
      })
    }
  }

  /** Resolves once mDNS is known to work or not, or after `timeoutMs`. */
  async waitSettled(timeoutMs: number): Promise<void> {
    if (this.settled) {
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      timer.unref()
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(done)
    })
  }
}

class DefaultP2PNode implements P2PNode {
  readonly peerId: string
  readonly options: P2POptions
  readonly libp2p: Libp2p
  readonly discovery: DiscoveryService
  readonly bandwidth: BandwidthMeter
  private currentStatus: P2PNodeStatus = 'stopped'
  private transition: Promise<void> = Promise.resolve()
  private readonly log: Logger
  private readonly dht: DhtHandle
  private readonly addressManager: AddressManagerHandle
  private readonly connectionManager: ConnectionManagerHandle
  private selfCache?: { at: number; listenAddrs: readonly string[]; verdict: ReachabilityVerdict }
  private connectionCache?: { at: number; peerIds: readonly string[]; connections: number }
  private readonly dropSelfCache = (): void => {
    this.selfCache = undefined
  }
  private readonly dropConnectionCache = (): void => {
    this.connectionCache = undefined
  }
  private readonly relayTransport?: RelayTransportHandle
  private readonly mdnsState: MdnsState

  constructor(init: {
    options: P2POptions
    libp2p: Libp2p
    bandwidth: BandwidthMeter
    log: Logger
    dht: DhtHandle
    addressManager: AddressManagerHandle
    connectionManager: ConnectionManagerHandle
    relayTransport?: RelayTransportHandle
    mdns?: MdnsHandle
    mdnsState: MdnsState
  }) {
    this.options = init.options
    this.libp2p = init.libp2p
    this.peerId = init.libp2p.peerId.toString()
    this.bandwidth = init.bandwidth
    this.log = init.log
    this.dht = init.dht
    this.addressManager = init.addressManager
    this.connectionManager = init.connectionManager
    this.relayTransport = init.relayTransport
    this.mdnsState = init.mdnsState
    this.discovery = createDiscoveryService(
      { bootstrap: init.options.bootstrap, ...init.options.discovery },
      { libp2p: init.libp2p, mdns: init.mdns, logger: init.log },
    )
  }

  get status(): P2PNodeStatus {
    return this.currentStatus
  }

  async start(): Promise<void> {
    await this.enqueue(async () => {
      if (this.currentStatus === 'started') {
        return
      }
      this.currentStatus = 'starting'
      try {
        this.bandwidth.reset()
        await this.libp2p.start()
        if (this.options.mdns) {
          await this.mdnsState.waitSettled(MDNS_READY_TIMEOUT_MS)
          if (!this.mdnsState.available) {
            this.log.warn(
              `mDNS is not available (${this.mdnsState.failure ?? 'multicast group not joined'}); ` +
                'local discovery is off, bootstrap still works',
            )
          }
        }
        this.watchCaches(true)
        this.discovery.start()
        this.currentStatus = 'started'
        this.log.info(
          `p2p node ${this.peerId} listening on ${this.getMultiaddrs().join(', ') || '(no addresses)'}`,
        )
      } catch (err) {
        this.discovery.stop()
        this.watchCaches(false)
        await Promise.resolve()
          .then(async () => this.libp2p.stop())
          .catch(() => undefined)
        this.currentStatus = 'stopped'
        throw err
      }
    })
  }

  async stop(): Promise<void> {
    await this.enqueue(async () => {
      if (this.currentStatus === 'stopped') {
        return
      }
      this.currentStatus = 'stopping'
      try {
        this.discovery.stop()
        this.watchCaches(false)
        await this.libp2p.stop()
        this.log.info(`p2p node ${this.peerId} stopped`)
      } finally {
        this.currentStatus = 'stopped'
      }
    })
  }

  getMultiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((ma) => ma.toString())
  }

  snapshot(): NodeSnapshot {
    if (this.currentStatus !== 'started') {
      throw new NotStartedError(`the p2p node is ${this.currentStatus}`)
    }
    const { peerIds, connections } = this.connectionState()
    const self = this.selfState()
    return {
      hostId: this.peerId,
      // copies: a caller may sort or change its snapshot without touching the cache
      peerIds: [...peerIds],
      connections,
      listenAddrs: [...self.listenAddrs],
      bandwidth: this.bandwidth.snapshot(),
      health: {
        reachability: self.verdict.reachability,
        autoNATStatus: self.verdict.autoNATStatus,
        relay: {
          enabled: this.options.relay.enabled,
          server: this.options.relay.server,
          reservations: this.relayTransport?.reservationStore?.reservationCount() ?? 0,
        },
        mdns: {
          enabled: this.options.mdns,
          available: this.options.mdns && this.mdnsState.available,
        },
      },
      routing: {
        routingTableSize: this.dht.routingTable.size,
        mode: this.options.dht.mode,
        currentMode: this.dht.getMode(),
        bootstrapPeers: this.options.bootstrap.length,
      },
    }
  }

  private watchCaches(on: boolean): void {
    this.selfCache = undefined
    this.connectionCache = undefined
    const method = on ? 'addEventListener' : 'removeEventListener'
    for (const event of SELF_EVENTS) this.libp2p[method](event, this.dropSelfCache)
    for (const event of CONNECTION_EVENTS) this.libp2p[method](event, this.dropConnectionCache)
  }

  /**
   * Connected peers and open connections, read again after any connection event (or a second).
   * Straight from the connection manager's map: libp2p.getConnections() concatenates per-peer
   * lists into a new array per peer, quadratic in peers.
   */
  private connectionState(): { peerIds: readonly string[]; connections: number } {
    const now = Date.now()
    if (this.connectionCache === undefined || now - this.connectionCache.at > CACHE_MS) {
      const peerIds: string[] = []
      let connections = 0
      for (const [peer, conns] of this.connectionManager.getConnectionsMap().entries()) {
        let open = 0
        for (const conn of conns) if (conn.status === 'open') open++
        if (open > 0) peerIds.push(peer.toString())
        connections += open
      }
      this.connectionCache = { at: now, peerIds, connections }
    }
    return this.connectionCache
  }

  /** The node's addresses and its reachability, read again after a change (or a second). */
  private selfState(): { listenAddrs: readonly string[]; verdict: ReachabilityVerdict } {
    const now = Date.now()
    if (this.selfCache === undefined || now - this.selfCache.at > CACHE_MS) {
      this.selfCache = {
        at: now,
        listenAddrs: this.getMultiaddrs(),
        verdict: reachabilityOf(
          this.addressManager.getAddressesWithMetadata(),
          this.options.autonat,
        ),
      }
    }
    return this.selfCache
  }

  /** Runs lifecycle steps one after another, so start/stop never interleave. */
  private async enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step)
    this.transition = next.catch(() => undefined)
    await next
  }
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
  const mdnsState = new MdnsState()

  let dht: DhtHandle | undefined
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
    privateKey,
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
      dialTimeout: options.discovery.dialTimeoutMs,
    },
    metrics: wireMetrics(bandwidth),
    services: {
      identify: identify(),
      ping: ping(),
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
              watchMdns(service, mdnsState, log)
              mdnsService = service
              return service
            },
          }
        : {}),
      ...(options.relay.server ? { relay: circuitRelayServer() } : {}),
    },
  })

  if (dht == null || addressManager == null || connectionManager == null) {
    // services are constructed by createLibp2p; reaching this means libp2p changed its contract
    await libp2p.stop()
    throw new Error('libp2p did not construct the kad-dht service')
  }
  if (!libp2p.peerId.equals(peerIdFromPrivateKey(privateKey))) {
    throw new Error('libp2p did not adopt the persisted identity')
  }

  return new DefaultP2PNode({
    options,
    libp2p,
    bandwidth,
    log,
    dht,
    addressManager,
    connectionManager,
    relayTransport,
    mdns: mdnsService,
    mdnsState,
  })
}

/**
 * mDNS reports socket problems only to its debug log, and `start()` never waits for the
 * socket: wrap `start` so a failure cannot stop the node, and watch the socket to learn
 * whether it bound and joined the multicast group.
 */
function watchMdns(service: MdnsHandle, state: MdnsState, log: Logger): void {
  const start = service.start.bind(service)
  service.start = async () => {
    state.reset()
    try {
      await start()
    } catch (err) {
      state.update(() => {
        state.failure = describeError(err)
      })
      log.warn(`mDNS failed to start: ${describeError(err)}`)
      return
    }
    const socket = service.mdns
    state.update(() => {
      state.started = true
      if (socket == null) {
        state.failure = 'no mDNS socket'
      }
    })
    // these fire from socket callbacks, after this microtask: attaching now misses nothing
    socket?.on('ready', () => {
      state.update(() => {
        state.bound = true
      })
    })
    socket?.on('networkInterface', () => {
      state.update(() => {
        state.joined = true
      })
    })
    socket?.on('error', (err: Error) => {
      state.update(() => {
        state.failure = describeError(err)
      })
    })
  }
}
