/**
 * The discovery service: runs the discovery mechanisms (bootstrap, mDNS, the DHT, and any given
 * in `components.mechanisms`), dials on their behalf and reports every dial once, as
 * `discovery:dial` / `onDial`, plus the per-mechanism events the spec's metrics count.
 */

import { TypedEventEmitter } from 'main-event'
import { SILENT_LOGGER, describeError, toError } from '../logger.js'
import { bootstrapDiscovery } from './bootstrap.js'
import { dhtDiscovery } from './dht.js'
import { MECHANISM_EVENTS } from './events.js'
import { mdnsDiscovery } from './mdns.js'
import type { Logger } from '../logger.js'
import type { BootstrapDiscovery } from './bootstrap.js'
import type {
  DiscoveryCallbacks,
  DiscoveryEventDetail,
  DiscoveryEvents,
  DiscoveryStats,
  DiscoveryStep,
} from './events.js'
import type {
  DiscoveryContext,
  DiscoveryDialEvent,
  DiscoveryLibp2p,
  DiscoveryMechanism,
} from './mechanism.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

export interface DiscoveryServiceInit {
  /** Bootstrap multiaddrs, each ending in `/p2p/<peer id>` (validated by `resolveOptions`). */
  bootstrap: string[]
  /**
   * Below this many connected peers, disconnected bootstrap peers are re-dialled and peers
   * learnt from the DHT are dialled.
   */
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

/** What the service needs from libp2p and its services. */
export interface DiscoveryServiceComponents {
  libp2p: DiscoveryLibp2p
  /** The mDNS service instance, when mDNS is enabled: its own `peer` events are mDNS answers. */
  mdns?: TypedEventTarget<PeerDiscoveryEvents>
  /**
   * The TTL in milliseconds of the record of `peerId` in the mDNS answer being handled, when
   * known; an answer is an mDNS find when the peer was not heard from within its last TTL.
   *
   * @default unknown: 120 s, the TTL @libp2p/mdns puts on its records
   */
  mdnsRecordTtlMs?: (peerId: string) => number | undefined
  /** The kad-dht service's peer discovery: peers it learns are dialled while short of peers. */
  dht?: TypedEventTarget<PeerDiscoveryEvents>
  /** More mechanisms, started after bootstrap, mDNS and the DHT. */
  mechanisms?: DiscoveryMechanism[]
  logger?: Logger
}

export interface DiscoveryService extends TypedEventTarget<DiscoveryEvents> {
  /** Sets (or with `undefined` clears) the callbacks; a callback that throws is logged and ignored. */
  setDiagnosticsCallbacks(callbacks: DiscoveryCallbacks | undefined): void
  /** Starts every mechanism: dials the bootstrap peers, listens for mDNS and DHT finds. Idempotent. */
  start(): void
  /** Stops every mechanism, cancels dials in flight, clears timers and listeners. Idempotent. */
  stop(): void
  isStarted(): boolean
  /** Counts since creation. */
  stats(): DiscoveryStats
  /** The delay of the next scheduled bootstrap round in milliseconds, if one is scheduled. */
  nextBootstrapDelayMs(): number | undefined
  /**
   * Replaces the bootstrap peers, e.g. on a configuration reload. While running, every listed
   * peer that is not connected is dialled at once and the retry schedule starts again; peers no
   * longer listed are not dialled again, their connections stay. Returns false, changing
   * nothing, when the list names the same peers at the same addresses.
   *
   * @throws when an entry is not a multiaddr ending in `/p2p/<peer id>` (nothing is changed)
   */
  setBootstrap(bootstrap: readonly string[]): boolean
}

class DefaultDiscoveryService
  extends TypedEventEmitter<DiscoveryEvents>
  implements DiscoveryService
{
  private readonly init: Required<DiscoveryServiceInit>
  private readonly libp2p: DiscoveryLibp2p
  private readonly log: Logger
  private readonly bootstrap: BootstrapDiscovery
  private readonly mechanisms: readonly DiscoveryMechanism[]
  private readonly counts: DiscoveryStats = {
    bootstrapAttempts: 0,
    bootstrapSuccesses: 0,
    bootstrapFailures: 0,
    mdnsPeersFound: 0,
    mdnsResponses: 0,
    mdnsConnectSuccesses: 0,
    mdnsConnectFailures: 0,
    dials: {},
  }

  private callbacks: DiscoveryCallbacks = {}
  private controller?: AbortController

  constructor(init: DiscoveryServiceInit, components: DiscoveryServiceComponents) {
    super()
    this.init = { jitter: 0.2, random: Math.random, ...init }
    this.libp2p = components.libp2p
    this.log = (components.logger ?? SILENT_LOGGER).forComponent('discovery')
    this.bootstrap = bootstrapDiscovery({
      ...this.init,
      selfId: components.libp2p.peerId.toString(),
    })
    this.mechanisms = [
      this.bootstrap,
      ...(components.mdns != null
        ? [mdnsDiscovery(components.mdns, { recordTtlMs: components.mdnsRecordTtlMs })]
        : []),
      ...(components.dht != null ? [dhtDiscovery(components.dht)] : []),
      ...(components.mechanisms ?? []),
    ]
  }

  setDiagnosticsCallbacks(callbacks: DiscoveryCallbacks | undefined): void {
    this.callbacks = callbacks ?? {}
  }

  isStarted(): boolean {
    return this.controller != null
  }

  stats(): DiscoveryStats {
    const dials = Object.fromEntries(
      Object.entries(this.counts.dials).map(([name, outcomes]) => [name, { ...outcomes }]),
    )
    return { ...this.counts, dials }
  }

  nextBootstrapDelayMs(): number | undefined {
    return this.bootstrap.nextDelayMs()
  }

  setBootstrap(bootstrap: readonly string[]): boolean {
    return this.bootstrap.setBootstrap(bootstrap)
  }

  start(): void {
    if (this.controller != null) {
      return
    }
    this.controller = new AbortController()
    for (const mechanism of this.mechanisms) {
      mechanism.start(this.contextFor(mechanism.name, this.controller.signal))
    }
  }

  stop(): void {
    if (this.controller == null) {
      return
    }
    for (const mechanism of this.mechanisms) {
      mechanism.stop()
    }
    this.controller.abort()
    this.controller = undefined
  }

  /** A mechanism's view of the service for one run: its own dials in flight, the run's signal. */
  private contextFor(mechanism: string, signal: AbortSignal): DiscoveryContext {
    const { libp2p, log } = this
    const { minPeers, dialTimeoutMs } = this.init
    const inFlight = new Set<string>()
    return {
      libp2p,
      signal,
      log,
      minPeers,
      isConnected: (peerId) => libp2p.getConnections(peerId).length > 0,
      isDialing: (peerId) => inFlight.has(peerId),
      dialsInFlight: () => inFlight.size,
      answered: (peerId) => {
        if (!signal.aborted) this.report(mechanism, 'answer', peerId)
      },
      found: (peerId) => {
        if (!signal.aborted) this.report(mechanism, 'found', peerId)
      },
      dial: async (peerId, target) => {
        if (signal.aborted) {
          return undefined
        }
        inFlight.add(peerId)
        this.report(mechanism, 'attempt', peerId)
        try {
          await libp2p.dial(target, {
            signal: AbortSignal.any([signal, AbortSignal.timeout(dialTimeoutMs)]),
          })
          return signal.aborted
            ? undefined
            : this.dialEnded({ mechanism, peerId, outcome: 'success' })
        } catch (err) {
          return signal.aborted
            ? undefined
            : this.dialEnded({ mechanism, peerId, outcome: 'failure', error: toError(err) })
        } finally {
          inFlight.delete(peerId)
        }
      },
    }
  }

  /** Reports one ended dial: the dial event first, then the mechanism's own event. */
  private dialEnded(event: DiscoveryDialEvent): DiscoveryDialEvent {
    const dials = (this.counts.dials[event.mechanism] ??= { success: 0, failure: 0 })
    dials[event.outcome]++
    const fields = { mechanism: event.mechanism, peer: event.peerId }
    if (event.error === undefined) {
      this.log.debug('discovery dial succeeded', fields)
    } else {
      this.log.debug('discovery dial failed', { ...fields, error: describeError(event.error) })
    }
    this.notify('discovery:dial', event, () => this.callbacks.onDial?.(event))
    this.report(event.mechanism, event.outcome, event.peerId, event.error)
    return event
  }

  /** The per-mechanism event of a step, for the mechanisms that have them. */
  private report(mechanism: string, step: DiscoveryStep, peerId: string, error?: Error): void {
    const event = MECHANISM_EVENTS[mechanism]?.[step]
    if (event === undefined) {
      return
    }
    this.counts[event.stat]++
    const detail: DiscoveryEventDetail = error === undefined ? { peerId } : { peerId, error }
    const callback = this.callbacks[event.callback] as
      ((peerId: string, error?: Error) => void) | undefined
    this.notify(event.type, detail, () =>
      error === undefined
        ? callback?.call(this.callbacks, peerId)
        : callback?.call(this.callbacks, peerId, error),
    )
  }

  /** Calls the diagnostics callback, then dispatches the event; neither may break discovery. */
  private notify<Type extends keyof DiscoveryEvents>(
    type: Type,
    detail: DiscoveryEvents[Type]['detail'],
    callback: () => void,
  ): void {
    try {
      callback()
    } catch (err) {
      this.log.warn('a discovery callback threw', { event: type, error: describeError(err) })
    }
    try {
      this.safeDispatchEvent(type, { detail })
    } catch (err) {
      this.log.warn('a discovery listener threw', { event: type, error: describeError(err) })
    }
  }
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
 * discovery.setDiagnosticsCallbacks({ onDial: (e) => console.log(e.mechanism, e.peerId, e.outcome) })
 * discovery.start()
 */
export function createDiscoveryService(
  init: DiscoveryServiceInit,
  components: DiscoveryServiceComponents,
): DiscoveryService {
  return new DefaultDiscoveryService(init, components)
}
