/**
 * The discovery service: dials the configured bootstrap peers (and keeps re-dialling them on
 * a backoff schedule while the node has too few peers) and dials peers found by mDNS. It
 * counts every attempt and result itself, through {@link DiscoveryCallbacks} and typed events,
 * which is why bootstrap dials are ours rather than `@libp2p/bootstrap`'s.
 */

import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { SILENT_LOGGER, describeError, toError } from './logger.js'
import type { Logger } from './logger.js'
import type { Libp2p, PeerDiscoveryEvents, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { TypedEventTarget } from 'main-event'

/**
 * Discovery events the diagnostics count. Member names match `DiscoveryCallbacks` of
 * `@wes/diagnostics`; every member is optional.
 */
export interface DiscoveryCallbacks {
  /** A dial of a configured bootstrap peer begins. */
  onBootstrapAttempt?(peerId: string): void
  /** That dial produced a connection. */
  onBootstrapSuccess?(peerId: string): void
  /** That dial failed. */
  onBootstrapFailure?(peerId: string, error: Error): void
  /** mDNS found a peer (never self). */
  onMdnsPeerFound?(peerId: string): void
  /** A dial to an mDNS-found peer connected. */
  onMdnsConnectSuccess?(peerId: string): void
  /** A dial to an mDNS-found peer failed. */
  onMdnsConnectFail?(peerId: string, error: Error): void
}

/** Detail of every discovery event. `error` is set on failures. */
export interface DiscoveryEventDetail {
  peerId: string
  error?: Error
}

/** The typed events of the discovery service, mirroring {@link DiscoveryCallbacks}. */
export interface DiscoveryEvents {
  'bootstrap:attempt': CustomEvent<DiscoveryEventDetail>
  'bootstrap:success': CustomEvent<DiscoveryEventDetail>
  'bootstrap:failure': CustomEvent<DiscoveryEventDetail>
  'mdns:peer': CustomEvent<DiscoveryEventDetail>
  'mdns:connect': CustomEvent<DiscoveryEventDetail>
  'mdns:failure': CustomEvent<DiscoveryEventDetail>
}

/** Running counts since the service was created. */
export interface DiscoveryStats {
  bootstrapAttempts: number
  bootstrapSuccesses: number
  bootstrapFailures: number
  mdnsPeersFound: number
  mdnsConnectSuccesses: number
  mdnsConnectFailures: number
}

export interface DiscoveryServiceInit {
  /** Bootstrap multiaddrs, each ending in `/p2p/<peer id>` (validated by `resolveOptions`). */
  bootstrap: string[]
  /** Below this many connected peers, disconnected bootstrap peers are re-dialled. */
  minPeers: number
  /** First retry delay, in milliseconds. */
  bootstrapIntervalMs: number
  /** Ceiling of the retry delay, in milliseconds. */
  bootstrapMaxIntervalMs: number
  /** Time limit of one dial, in milliseconds. */
  dialTimeoutMs: number
  /**
   * Relative jitter applied to each retry delay: a delay `d` becomes a value in
   * `[d * (1 - jitter), d * (1 + jitter)]`, capped at the ceiling.
   *
   * @default 0.2
   */
  jitter?: number
  /**
   * Random source in [0, 1) for the jitter; inject one in tests.
   *
   * @default Math.random
   */
  random?: () => number
}

/** What the service needs from libp2p. */
export interface DiscoveryServiceComponents {
  libp2p: Pick<
    Libp2p,
    'peerId' | 'dial' | 'getConnections' | 'getPeers' | 'addEventListener' | 'removeEventListener'
  >
  /** The mDNS service instance, when mDNS is enabled: its own `peer` events are mDNS finds. */
  mdns?: TypedEventTarget<PeerDiscoveryEvents>
  logger?: Logger
}

export interface DiscoveryService extends TypedEventTarget<DiscoveryEvents> {
  /** Sets (or with `undefined` clears) the callbacks; a callback that throws is logged and ignored. */
  setDiagnosticsCallbacks(callbacks: DiscoveryCallbacks | undefined): void
  /** Dials every bootstrap peer and starts listening for mDNS finds. Idempotent. */
  start(): void
  /** Cancels dials in flight, clears the retry timer and every listener. Idempotent. */
  stop(): void
  isStarted(): boolean
  /** Counts since creation. */
  stats(): DiscoveryStats
  /** The delay of the next scheduled bootstrap round in milliseconds, if one is scheduled. */
  nextBootstrapDelayMs(): number | undefined
}

interface BootstrapPeer {
  peerId: PeerId
  id: string
  address: Multiaddr
}

class DefaultDiscoveryService
  extends TypedEventEmitter<DiscoveryEvents>
  implements DiscoveryService
{
  private readonly init: Required<DiscoveryServiceInit>
  private readonly components: DiscoveryServiceComponents
  private readonly log: Logger
  private readonly bootstrapPeers: BootstrapPeer[]
  private readonly bootstrapInFlight = new Set<string>()
  private readonly mdnsInFlight = new Set<string>()
  private readonly counts: DiscoveryStats = {
    bootstrapAttempts: 0,
    bootstrapSuccesses: 0,
    bootstrapFailures: 0,
    mdnsPeersFound: 0,
    mdnsConnectSuccesses: 0,
    mdnsConnectFailures: 0,
  }

  private callbacks: DiscoveryCallbacks = {}
  private controller?: AbortController
  private timer?: NodeJS.Timeout
  private timerDelayMs?: number
  /** Retry rounds since the node last had enough peers; the delay doubles with each. */
  private retryRound = 0

  constructor(init: DiscoveryServiceInit, components: DiscoveryServiceComponents) {
    super()
    this.init = { jitter: 0.2, random: Math.random, ...init }
    this.components = components
    this.log = components.logger ?? SILENT_LOGGER
    const self = components.libp2p.peerId.toString()
    this.bootstrapPeers = init.bootstrap
      .map((text) => {
        const address = multiaddr(text)
        const id = address.getComponents().findLast((c) => c.name === 'p2p')?.value ?? ''
        return { peerId: peerIdFromString(id), id, address }
      })
      // a config shared by several nodes lists each node itself: dialling self always fails
      .filter((peer, i, all) => peer.id !== self && all.findIndex((p) => p.id === peer.id) === i)
    this.onPeerDisconnect = this.onPeerDisconnect.bind(this)
    this.onMdnsPeer = this.onMdnsPeer.bind(this)
  }

  setDiagnosticsCallbacks(callbacks: DiscoveryCallbacks | undefined): void {
    this.callbacks = callbacks ?? {}
  }

  isStarted(): boolean {
    return this.controller != null
  }

  stats(): DiscoveryStats {
    return { ...this.counts }
  }

  nextBootstrapDelayMs(): number | undefined {
    return this.timerDelayMs
  }

  start(): void {
    if (this.controller != null) {
      return
    }
    this.controller = new AbortController()
    this.retryRound = 0
    this.components.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.components.mdns?.addEventListener('peer', this.onMdnsPeer)
    // the first round dials every bootstrap peer, whatever minPeers says
    this.runBootstrapRound(true)
  }

  stop(): void {
    if (this.controller == null) {
      return
    }
    this.controller.abort()
    this.controller = undefined
    this.clearTimer()
    this.components.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.components.mdns?.removeEventListener('peer', this.onMdnsPeer)
    this.bootstrapInFlight.clear()
    this.mdnsInFlight.clear()
    this.failingBootstrapPeers.clear()
  }

  private isConnected(peerId: PeerId): boolean {
    return this.components.libp2p.getConnections(peerId).length > 0
  }

  /** Too few peers, and a bootstrap peer that could help is not connected. */
  private needsPeers(): boolean {
    return (
      this.components.libp2p.getPeers().length < this.init.minPeers &&
      this.bootstrapPeers.some((peer) => !this.isConnected(peer.peerId))
    )
  }

  private runBootstrapRound(first: boolean): void {
    this.timer = undefined
    this.timerDelayMs = undefined
    if (this.controller == null) {
      return
    }
    if (!first && !this.needsPeers()) {
      // satisfied: go idle until a peer drops, then start again from the first delay
      this.retryRound = 0
      return
    }
    for (const peer of this.bootstrapPeers) {
      if (!this.bootstrapInFlight.has(peer.id) && !this.isConnected(peer.peerId)) {
        void this.dialBootstrapPeer(peer, this.controller.signal)
      }
    }
    this.scheduleRound()
  }

  private scheduleRound(): void {
    if (this.controller == null || this.timer != null || this.bootstrapPeers.length === 0) {
      return
    }
    const { bootstrapIntervalMs, bootstrapMaxIntervalMs, jitter, random } = this.init
    const base = Math.min(
      bootstrapIntervalMs * 2 ** Math.min(this.retryRound, 30),
      bootstrapMaxIntervalMs,
    )
    const delay = Math.round(
      Math.min(bootstrapMaxIntervalMs, base * (1 - jitter + 2 * jitter * random())),
    )
    this.retryRound++
    this.timerDelayMs = delay
    this.timer = setTimeout(() => {
      this.runBootstrapRound(false)
    }, delay)
    this.timer.unref()
  }

  private clearTimer(): void {
    if (this.timer != null) {
      clearTimeout(this.timer)
    }
    this.timer = undefined
    this.timerDelayMs = undefined
  }

  private onPeerDisconnect(): void {
    if (this.controller != null && this.timer == null && this.needsPeers()) {
      this.retryRound = 0
      this.scheduleRound()
    }
  }

  /** Bootstrap peers whose last dial failed, so a failure streak is logged once. */
  private readonly failingBootstrapPeers = new Set<string>()

  private async dialBootstrapPeer(peer: BootstrapPeer, stopSignal: AbortSignal): Promise<void> {
    this.bootstrapInFlight.add(peer.id)
    this.counts.bootstrapAttempts++
    this.notify('bootstrap:attempt', { peerId: peer.id }, () =>
      this.callbacks.onBootstrapAttempt?.(peer.id),
    )
    try {
      await this.components.libp2p.dial(peer.address, {
        signal: AbortSignal.any([stopSignal, AbortSignal.timeout(this.init.dialTimeoutMs)]),
      })
      if (stopSignal.aborted) {
        return
      }
      this.counts.bootstrapSuccesses++
      if (this.failingBootstrapPeers.delete(peer.id)) {
        this.log.info(`bootstrap peer ${peer.address.toString()} is reachable again`)
      } else {
        this.log.debug(`bootstrap peer ${peer.id} connected`)
      }
      this.notify('bootstrap:success', { peerId: peer.id }, () =>
        this.callbacks.onBootstrapSuccess?.(peer.id),
      )
    } catch (err) {
      if (stopSignal.aborted) {
        return
      }
      const error = toError(err)
      this.counts.bootstrapFailures++
      // The first failure in a row is worth an operator's attention; the retries that follow
      // (every few seconds with backoff) would only flood the log.
      const message = `bootstrap dial ${peer.address.toString()} failed: ${describeError(err)}`
      if (this.failingBootstrapPeers.has(peer.id)) {
        this.log.debug(message)
      } else {
        this.failingBootstrapPeers.add(peer.id)
        this.log.warn(`${message} (retrying with backoff; further failures are logged at debug)`)
      }
      this.notify('bootstrap:failure', { peerId: peer.id, error }, () =>
        this.callbacks.onBootstrapFailure?.(peer.id, error),
      )
    } finally {
      if (!stopSignal.aborted) {
        this.bootstrapInFlight.delete(peer.id)
      }
    }
  }

  private onMdnsPeer(evt: CustomEvent<PeerInfo>): void {
    const controller = this.controller
    const info = evt.detail
    const id = info.id.toString()
    if (controller == null || id === this.components.libp2p.peerId.toString()) {
      return
    }
    this.counts.mdnsPeersFound++
    this.notify('mdns:peer', { peerId: id }, () => this.callbacks.onMdnsPeerFound?.(id))
    if (this.mdnsInFlight.has(id) || this.isConnected(info.id)) {
      return
    }
    void this.dialMdnsPeer(info, id, controller.signal)
  }

  private async dialMdnsPeer(info: PeerInfo, id: string, stopSignal: AbortSignal): Promise<void> {
    this.mdnsInFlight.add(id)
    try {
      const target =
        info.multiaddrs.length > 0 ? info.multiaddrs.map((ma) => withPeerId(ma, id)) : info.id
      await this.components.libp2p.dial(target, {
        signal: AbortSignal.any([stopSignal, AbortSignal.timeout(this.init.dialTimeoutMs)]),
      })
      if (stopSignal.aborted) {
        return
      }
      this.counts.mdnsConnectSuccesses++
      this.log.debug(`mDNS peer ${id} connected`)
      this.notify('mdns:connect', { peerId: id }, () => this.callbacks.onMdnsConnectSuccess?.(id))
    } catch (err) {
      if (stopSignal.aborted) {
        return
      }
      const error = toError(err)
      this.counts.mdnsConnectFailures++
      this.log.debug(`mDNS peer ${id} dial failed: ${describeError(err)}`)
      this.notify('mdns:failure', { peerId: id, error }, () =>
        this.callbacks.onMdnsConnectFail?.(id, error),
      )
    } finally {
      if (!stopSignal.aborted) {
        this.mdnsInFlight.delete(id)
      }
    }
  }

  /** Calls the diagnostics callback, then dispatches the event; neither may break discovery. */
  private notify(
    type: keyof DiscoveryEvents,
    detail: DiscoveryEventDetail,
    callback: () => void,
  ): void {
    try {
      callback()
    } catch (err) {
      this.log.warn(`discovery callback for ${type} threw: ${describeError(err)}`)
    }
    try {
      this.safeDispatchEvent(type, { detail })
    } catch (err) {
      this.log.warn(`discovery listener for ${type} threw: ${describeError(err)}`)
    }
  }
}

function withPeerId(address: Multiaddr, id: string): Multiaddr {
  return address.getComponents().some((c) => c.name === 'p2p')
    ? address
    : address.encapsulate(`/p2p/${id}`)
}

/**
 * Creates the discovery service of a node. `createP2PNode` does this for you; use it directly
 * only to run discovery over your own libp2p instance.
 *
 * @example
 * const discovery = createDiscoveryService(
 *   { bootstrap, minPeers: 3, bootstrapIntervalMs: 5_000, bootstrapMaxIntervalMs: 60_000, dialTimeoutMs: 10_000 },
 *   { libp2p }
 * )
 * discovery.setDiagnosticsCallbacks({ onBootstrapSuccess: (id) => console.log('connected to', id) })
 * discovery.start()
 */
export function createDiscoveryService(
  init: DiscoveryServiceInit,
  components: DiscoveryServiceComponents,
): DiscoveryService {
  return new DefaultDiscoveryService(init, components)
}
