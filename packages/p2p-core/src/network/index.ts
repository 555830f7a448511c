/**
 * What the node observes of its network beyond the wire totals, for the metrics that explain
 * them: stream bytes by protocol (`protocol-meter.ts`), connections as they open and close
 * (`connections.ts`). Everything here is fed by libp2p's public hooks: the `Metrics`
 * component's `trackProtocolStream` and the node's events.
 */

import { notify } from './callbacks.js'
import { watchConnection } from './connections.js'
import { createProtocolMeter } from './protocol-meter.js'
import type { BandwidthSnapshot } from '../bandwidth-meter.js'
import type { NetworkCallbacks } from './callbacks.js'
import type { ProtocolMeter } from './protocol-meter.js'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

export type { NetworkCallbacks } from './callbacks.js'
export {
  CONNECTION_CLOSE_REASONS,
  CONNECTION_DIRECTIONS,
  CONNECTION_TRANSPORTS,
} from './connections.js'
export type {
  ConnectionCloseEvent,
  ConnectionCloseReason,
  ConnectionDirection,
  ConnectionOpenEvent,
  ConnectionTransport,
} from './connections.js'
export { OTHER_PROTOCOL } from './protocol-meter.js'

/** What the node's users see of the observer: where its reports go. */
export interface NetworkService {
  /** Sets (or with `undefined` clears) the callbacks; a callback that throws is ignored. */
  setDiagnosticsCallbacks(callbacks: NetworkCallbacks | undefined): void
}

export interface NetworkObserverInit {
  /**
   * The kad-dht protocol: the node's own even while the DHT is a client and serves no handler
   * for it.
   */
  dhtProtocol: string
}

/** The parts of a built node the observer reads. */
export interface NetworkObserverComponents {
  libp2p: Pick<Libp2p, 'getProtocols' | 'addEventListener' | 'removeEventListener'>
}

/**
 * Built before libp2p (its stream hook goes into libp2p's `Metrics` component), attached once
 * libp2p exists, started before libp2p starts and stopped after libp2p stopped, so it sees every
 * connection of a run.
 */
export class NetworkObserver implements NetworkService {
  private readonly protocols: ProtocolMeter
  private components?: NetworkObserverComponents
  private callbacks: NetworkCallbacks = {}
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    watchConnection(evt.detail, {
      open: (event) => notify(this.callbacks, 'onConnectionOpen', event),
      close: (event) => notify(this.callbacks, 'onConnectionClose', event),
    })
  }

  constructor(init: NetworkObserverInit) {
    this.protocols = createProtocolMeter({
      isOwnProtocol: (protocol) =>
        protocol === init.dhtProtocol ||
        (this.components?.libp2p.getProtocols().includes(protocol) ?? false),
    })
  }

  /** libp2p's `trackProtocolStream`: every stream once its protocol is negotiated. */
  readonly trackStream = (stream: Stream): void => {
    this.protocols.track(stream)
  }

  /** Connects the observer to the node it observes. */
  attach(components: NetworkObserverComponents): void {
    this.components = components
  }

  setDiagnosticsCallbacks(callbacks: NetworkCallbacks | undefined): void {
    this.callbacks = callbacks ?? {}
  }

  /** Zeroes the counts of the last run and listens to libp2p. */
  start(): void {
    this.protocols.reset()
    this.components?.libp2p.addEventListener('connection:open', this.onConnectionOpen)
  }

  /** Stops listening; connections seen open still report their close. */
  stop(): void {
    this.components?.libp2p.removeEventListener('connection:open', this.onConnectionOpen)
  }

  /** Stream bytes by protocol: every protocol the node serves now, at 0 until used, and `other`. */
  protocolBytes(): Record<string, BandwidthSnapshot> {
    this.protocols.include(this.components?.libp2p.getProtocols() ?? [])
    return this.protocols.snapshot()
  }
}
