/**
 * A node's lifecycle and its snapshot: start and stop in order (libp2p, the mDNS probe, then
 * discovery; the reverse on stop), never interleaved, and a cheap `snapshot()` of derived state
 * that is cached until libp2p announces a change.
 */

import { NotStartedError } from '../errors.js'
import { checkBootstrapAddr } from '../option-checks.js'
import { addressFactsOf, isRelayed, reachabilityOf } from '../reachability.js'
import { BootstrapHistory } from './bootstrap-history.js'
import { HolePunchTracker } from './hole-punch.js'
import { MDNS_READY_TIMEOUT_MS } from './mdns-probe.js'
import { NatObserver } from './nat-observer.js'
import { PeerLog } from './peer-log.js'
import { RelayWatch } from './relay-watch.js'
import type { BandwidthMeter } from '../bandwidth-meter.js'
import type { TransferLedger } from '../transfer-ledger.js'
import type { DiscoveryDialEvent, DiscoveryService } from '../discovery/index.js'
import type { Logger } from '../logger.js'
import type { P2POptions } from '../options.js'
import type { ReachabilityVerdict } from '../reachability.js'
import type { AddressFacts, NodeSnapshot } from '../snapshot.js'
import type { Libp2pHandles } from './compose.js'
import type { P2PNode, P2PNodeStatus } from './index.js'
import type { MdnsState } from './mdns-probe.js'
import type { RelayServerEvents } from './relay-watch.js'
import type { NetworkObserver } from '../network/index.js'
import type {
  BucketDetails,
  ConnectionDetails,
  DetailsPage,
  DetailsQuery,
  PeerDetails,
} from '../details.js'
import type { DetailsReader } from './details-reader.js'
import type { Connection, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'

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

/** The node's own addresses as last read, with what follows from them. */
interface SelfState {
  at: number
  listenAddrs: readonly string[]
  verdict: ReachabilityVerdict
  addresses: readonly AddressFacts[]
}

export interface NodeLifecycleInit {
  options: P2POptions
  libp2p: Libp2p
  handles: Libp2pHandles
  bandwidth: BandwidthMeter
  transfers: TransferLedger | undefined
  discovery: DiscoveryService
  mdnsState: MdnsState
  /** Protocol bytes and the other observations of the node's network. */
  network: NetworkObserver
  /** Per-peer, per-connection and per-bucket detail, read on demand. */
  details: DetailsReader
  /** The node's `node` component logger. */
  log: Logger
}

export class DefaultP2PNode implements P2PNode {
  readonly peerId: string
  readonly libp2p: Libp2p
  readonly discovery: DiscoveryService
  readonly bandwidth: BandwidthMeter
  readonly transfers: TransferLedger | undefined
  readonly network: NetworkObserver
  /** The options, with the bootstrap list `setBootstrap` last gave. */
  private currentOptions: P2POptions
  private currentStatus: P2PNodeStatus = 'stopped'
  private transition: Promise<void> = Promise.resolve()
  private readonly log: Logger
  private readonly handles: Libp2pHandles
  private readonly mdnsState: MdnsState
  private readonly bootstrapHistory: BootstrapHistory
  private readonly nat: NatObserver
  private readonly holePunch: HolePunchTracker
  private readonly relayWatch: RelayWatch
  private readonly peerLog: PeerLog
  private readonly details: DetailsReader
  private startedAt = 0
  private selfCache?: SelfState
  private connectionCache?: {
    at: number
    peerIds: readonly string[]
    connections: number
    relayed: number
  }
  private readonly dropSelfCache = (): void => {
    this.selfCache = undefined
  }
  private readonly dropConnectionCache = (): void => {
    this.connectionCache = undefined
  }
  private readonly recordDial = (evt: CustomEvent<DiscoveryDialEvent>): void => {
    this.bootstrapHistory.record(evt.detail)
  }
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    this.nat.observe(evt.detail)
    this.holePunch.identified(evt.detail)
    // what a peer sees of the node may change its reachability
    this.selfCache = undefined
  }
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    this.holePunch.connected(evt.detail)
  }
  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.holePunch.disconnected(evt.detail)
    this.peerLog.disconnected({ peer: evt.detail.toString() })
  }
  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    const [connection] = this.libp2p.getConnections(evt.detail)
    this.peerLog.connected({
      peer: evt.detail.toString(),
      ...(connection === undefined
        ? {}
        : { address: connection.remoteAddr.toString(), direction: connection.direction }),
    })
  }

  constructor(init: NodeLifecycleInit) {
    this.currentOptions = init.options
    this.libp2p = init.libp2p
    this.peerId = init.libp2p.peerId.toString()
    this.bandwidth = init.bandwidth
    this.transfers = init.transfers
    this.discovery = init.discovery
    this.log = init.log
    this.handles = init.handles
    this.mdnsState = init.mdnsState
    this.network = init.network
    this.details = init.details
    this.bootstrapHistory = new BootstrapHistory(init.options.bootstrap, this.peerId)
    this.nat = new NatObserver(init.handles.addressManager, init.log.forComponent('nat'))
    this.holePunch = new HolePunchTracker({
      enabled: init.options.relay.enabled,
      ownAddresses: () => this.libp2p.getMultiaddrs(),
      hasDirectConnection: (peer) =>
        this.libp2p
          .getConnections(peer)
          .some((c) => c.status === 'open' && !isRelayed(c.remoteAddr)),
      log: init.log.forComponent('holepunch'),
    })
    this.peerLog = new PeerLog(init.log.forComponent('peers'))
    this.relayWatch = new RelayWatch(
      init.handles.relayTransport?.reservationStore,
      (init.libp2p.services as { relay?: RelayServerEvents }).relay,
    )
  }

  get status(): P2PNodeStatus {
    return this.currentStatus
  }

  get options(): P2POptions {
    return this.currentOptions
  }

  setBootstrap(bootstrap: readonly string[]): boolean {
    bootstrap.forEach((value, i) => checkBootstrapAddr(`bootstrap[${i}]`, value))
    const changed = this.discovery.setBootstrap(bootstrap)
    this.bootstrapHistory.setBootstrap(bootstrap)
    this.currentOptions = { ...this.currentOptions, bootstrap: [...bootstrap] }
    if (changed) this.log.debug('bootstrap peers replaced', { bootstrap: [...bootstrap] })
    return changed
  }

  async start(): Promise<void> {
    await this.enqueue(async () => {
      if (this.currentStatus === 'started') {
        return
      }
      this.currentStatus = 'starting'
      try {
        this.bandwidth.reset()
        // before libp2p, so it sees the first connection of the run
        this.network.start()
        await this.libp2p.start()
        if (this.options.mdns) {
          await this.mdnsState.waitSettled(MDNS_READY_TIMEOUT_MS)
          if (!this.mdnsState.available) {
            this.log.warn('mDNS is not available; local discovery is off, bootstrap still works', {
              reason: this.mdnsState.failure ?? 'multicast group not joined',
            })
          }
        }
        this.watchCaches(true)
        this.watchDials(true)
        this.watchPeers(true)
        this.startedAt = Date.now()
        this.discovery.start()
        this.currentStatus = 'started'
        this.log.info('p2p node started', {
          peer: this.peerId,
          listen: this.getMultiaddrs(),
        })
      } catch (err) {
        this.discovery.stop()
        this.watchPeers(false)
        this.watchDials(false)
        this.watchCaches(false)
        await Promise.resolve()
          .then(async () => this.libp2p.stop())
          .catch(() => undefined)
        this.network.stop()
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
        this.watchPeers(false)
        this.watchDials(false)
        this.watchCaches(false)
        await this.libp2p.stop()
        this.log.info('p2p node stopped', { peer: this.peerId })
      } finally {
        // after libp2p, so the connections its stop closes are counted
        this.network.stop()
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
    const { peerIds, connections, relayed } = this.connectionState()
    const self = this.selfState()
    const { dht, relayTransport } = this.handles
    const { options } = this
    return {
      hostId: this.peerId,
      // copies: a caller may sort or change its snapshot without touching the cache
      peerIds: [...peerIds],
      connections,
      listenAddrs: [...self.listenAddrs],
      bandwidth: this.bandwidth.snapshot(),
      protocols: this.network.protocolBytes(),
      agents: this.network.peerAgents(),
      health: {
        reachability: self.verdict.reachability,
        autoNATStatus: self.verdict.autoNATStatus,
        relay: {
          enabled: this.options.relay.enabled,
          server: this.options.relay.server,
          reservations: relayTransport?.reservationStore?.reservationCount() ?? 0,
        },
        mdns: {
          enabled: this.options.mdns,
          available: this.options.mdns && this.mdnsState.available,
        },
      },
      routing: {
        routingTableSize: dht.routingTable.size,
        mode: this.options.dht.mode,
        currentMode: dht.getMode(),
        bootstrapPeers: this.options.bootstrap.length,
      },
      facts: {
        startedAt: this.startedAt,
        thresholds: { minPeers: options.discovery.minPeers, ...options.health },
        bootstrap: this.bootstrapHistory.read(
          options.bootstrap.length === 0 ? new Set() : new Set(peerIds),
        ),
        mdns: this.mdnsState.facts(options.mdns),
        addresses: self.addresses.map((address) => ({ ...address })),
        nat: this.nat.facts(),
        holePunch: this.holePunch.facts(),
        relay: this.relayWatch.facts(relayed),
        inboundRefused: this.network.inboundRefusals(),
      },
    }
  }

  async peerDetails(query?: DetailsQuery): Promise<DetailsPage<PeerDetails>> {
    this.assertStarted()
    return this.details.peers(query)
  }

  async connectionDetails(query?: DetailsQuery): Promise<DetailsPage<ConnectionDetails>> {
    this.assertStarted()
    return this.details.connections(query)
  }

  async routingDetails(query?: DetailsQuery): Promise<DetailsPage<BucketDetails>> {
    this.assertStarted()
    return this.details.routing(query)
  }

  private assertStarted(): void {
    if (this.currentStatus !== 'started') {
      throw new NotStartedError(`the p2p node is ${this.currentStatus}`)
    }
  }

  /** Records the discovery service's bootstrap dials while the node runs, from a fresh history. */
  private watchDials(on: boolean): void {
    if (on) {
      this.bootstrapHistory.reset()
      this.discovery.addEventListener('discovery:dial', this.recordDial)
    } else {
      this.discovery.removeEventListener('discovery:dial', this.recordDial)
    }
  }

  /** What peers see of the node (NAT) and hole punches, from a fresh state each run. */
  private watchPeers(on: boolean): void {
    const method = on ? 'addEventListener' : 'removeEventListener'
    if (on) {
      this.nat.reset()
      this.holePunch.reset()
    }
    this.libp2p[method]('peer:identify', this.onIdentify)
    this.libp2p[method]('connection:open', this.onConnectionOpen)
    this.libp2p[method]('peer:disconnect', this.onPeerDisconnect)
    this.libp2p[method]('peer:connect', this.onPeerConnect)
    this.relayWatch.watch(on)
    if (!on) {
      this.holePunch.reset()
      this.peerLog.flush()
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
  private connectionState(): {
    peerIds: readonly string[]
    connections: number
    relayed: number
  } {
    const now = Date.now()
    if (this.connectionCache === undefined || now - this.connectionCache.at > CACHE_MS) {
      const peerIds: string[] = []
      let connections = 0
      let relayed = 0
      for (const [peer, conns] of this.handles.connectionManager.getConnectionsMap().entries()) {
        let open = 0
        for (const conn of conns) {
          if (conn.status !== 'open') continue
          open++
          if (isRelayed(conn.remoteAddr)) relayed++
        }
        if (open > 0) peerIds.push(peer.toString())
        connections += open
      }
      this.connectionCache = { at: now, peerIds, connections, relayed }
    }
    return this.connectionCache
  }

  /** The node's addresses and its reachability, read again after a change (or a second). */
  private selfState(): SelfState {
    const now = Date.now()
    if (this.selfCache === undefined || now - this.selfCache.at > CACHE_MS) {
      const addresses = this.handles.addressManager.getAddressesWithMetadata()
      this.selfCache = {
        at: now,
        listenAddrs: this.getMultiaddrs(),
        verdict: reachabilityOf(addresses, this.options.autonat, this.nat.facts().behindNat),
        addresses: addressFactsOf(addresses, this.peerId),
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
