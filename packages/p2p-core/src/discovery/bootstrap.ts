/**
 * The bootstrap mechanism: dials the configured bootstrap peers at start, then, while the node
 * has too few peers, re-dials the unconnected ones on a backoff schedule. Its dials are ours
 * rather than `@libp2p/bootstrap`'s so that every attempt and result is counted.
 */

import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describeError } from '../logger.js'
import type { DiscoveryContext, DiscoveryMechanism } from './mechanism.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface BootstrapDiscoveryInit {
  /** Multiaddrs ending in `/p2p/<peer id>` (validated by `resolveOptions`). */
  bootstrap: string[]
  /** The node's own peer ID: a config shared by several nodes lists each node itself. */
  selfId: string
  /** First retry delay, in milliseconds. */
  bootstrapIntervalMs: number
  /** Ceiling of the retry delay, in milliseconds. */
  bootstrapMaxIntervalMs: number
  /** Relative jitter of each retry delay. */
  jitter: number
  /** Random source in [0, 1) for the jitter. */
  random: () => number
}

export interface BootstrapDiscovery extends DiscoveryMechanism {
  /** The delay of the next scheduled round in milliseconds, if one is scheduled. */
  nextDelayMs(): number | undefined
  /**
   * Replaces the bootstrap peers (a configuration reload). While running, the schedule starts
   * again from its first round: every configured peer not connected is dialled now. Connections
   * to peers no longer listed stay open. Returns false, changing nothing, when the list names the
   * same peers at the same addresses.
   *
   * @throws when an entry is not a multiaddr ending in `/p2p/<peer id>` (nothing is changed)
   */
  setBootstrap(bootstrap: readonly string[]): boolean
}

/** A configured bootstrap peer. */
export interface BootstrapPeer {
  peerId: PeerId
  id: string
  address: Multiaddr
}

/**
 * The bootstrap peers of a configuration, in its order, without the node itself (a config shared
 * by several nodes lists each node, and dialling self always fails) and without repeats.
 */
export function bootstrapPeersOf(bootstrap: readonly string[], selfId: string): BootstrapPeer[] {
  return bootstrap
    .map((text) => {
      const address = multiaddr(text)
      const id = address.getComponents().findLast((c) => c.name === 'p2p')?.value ?? ''
      return { peerId: peerIdFromString(id), id, address }
    })
    .filter((peer, i, all) => peer.id !== selfId && all.findIndex((p) => p.id === peer.id) === i)
}

class DefaultBootstrapDiscovery implements BootstrapDiscovery {
  readonly name = 'bootstrap'
  private readonly init: BootstrapDiscoveryInit
  private peers: BootstrapPeer[]
  /** Peers whose last dial failed, so a failure streak is logged once. */
  private readonly failing = new Set<string>()
  private context?: DiscoveryContext
  private timer?: NodeJS.Timeout
  private timerDelayMs?: number
  /** Retry rounds since the node last had enough peers; the delay doubles with each. */
  private retryRound = 0

  constructor(init: BootstrapDiscoveryInit) {
    this.init = init
    this.peers = bootstrapPeersOf(init.bootstrap, init.selfId)
    this.onPeerDisconnect = this.onPeerDisconnect.bind(this)
  }

  nextDelayMs(): number | undefined {
    return this.timerDelayMs
  }

  setBootstrap(bootstrap: readonly string[]): boolean {
    const peers = bootstrapPeersOf(bootstrap, this.init.selfId)
    const same =
      peers.length === this.peers.length &&
      peers.every((peer, i) => {
        const previous = this.peers[i]
        return previous?.id === peer.id && previous.address.equals(peer.address)
      })
    if (same) {
      return false
    }
    this.peers = peers
    for (const id of this.failing) {
      if (!peers.some((peer) => peer.id === id)) this.failing.delete(id)
    }
    if (this.context != null) {
      this.clearTimer()
      this.retryRound = 0
      this.runRound(true)
    }
    return true
  }

  start(context: DiscoveryContext): void {
    if (this.context != null) {
      return
    }
    this.context = context
    this.retryRound = 0
    context.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    // the first round dials every bootstrap peer, whatever minPeers says
    this.runRound(true)
  }

  stop(): void {
    if (this.context == null) {
      return
    }
    this.context.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.context = undefined
    this.clearTimer()
    this.failing.clear()
  }

  /** Too few peers, and a bootstrap peer that could help is not connected. */
  private needsPeers(context: DiscoveryContext): boolean {
    return (
      context.libp2p.getPeers().length < context.minPeers &&
      this.peers.some((peer) => !context.isConnected(peer.peerId))
    )
  }

  private runRound(first: boolean): void {
    this.timer = undefined
    this.timerDelayMs = undefined
    const context = this.context
    if (context == null) {
      return
    }
    if (!first && !this.needsPeers(context)) {
      // satisfied: go idle until a peer drops, then start again from the first delay
      this.retryRound = 0
      return
    }
    for (const peer of this.peers) {
      if (!context.isDialing(peer.id) && !context.isConnected(peer.peerId)) {
        void this.dial(context, peer)
      }
    }
    this.scheduleRound()
  }

  private scheduleRound(): void {
    if (this.context == null || this.timer != null || this.peers.length === 0) {
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
      this.runRound(false)
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
    if (this.context != null && this.timer == null && this.needsPeers(this.context)) {
      this.retryRound = 0
      this.scheduleRound()
    }
  }

  private async dial(context: DiscoveryContext, peer: BootstrapPeer): Promise<void> {
    const event = await context.dial(peer.id, peer.address)
    const fields = { peer: peer.id, address: peer.address.toString() }
    if (event?.outcome === 'success' && this.failing.delete(peer.id)) {
      context.log.info('bootstrap peer is reachable again', fields)
    } else if (event?.outcome === 'failure' && !this.failing.has(peer.id)) {
      // The first failure in a row is worth an operator's attention; the retries that follow
      // (every few seconds with backoff) would only flood the log.
      this.failing.add(peer.id)
      context.log.warn(
        'bootstrap dial failed; retrying with backoff, further failures are logged at debug',
        { ...fields, error: describeError(event.error) },
      )
    }
  }
}

/** The bootstrap mechanism of a discovery service. */
export function bootstrapDiscovery(init: BootstrapDiscoveryInit): BootstrapDiscovery {
  return new DefaultBootstrapDiscovery(init)
}
