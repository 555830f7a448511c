/**
 * What the node observes of its network beyond the wire totals, for the metrics that explain
 * them: stream bytes by protocol (`protocol-meter.ts`). Everything here is fed by libp2p's public
 * hooks: the `Metrics` component's `trackProtocolStream` and the node's events.
 */

import { createProtocolMeter } from './protocol-meter.js'
import type { BandwidthSnapshot } from '../bandwidth-meter.js'
import type { ProtocolMeter } from './protocol-meter.js'
import type { Libp2p, Stream } from '@libp2p/interface'

export { OTHER_PROTOCOL } from './protocol-meter.js'

export interface NetworkObserverInit {
  /**
   * The kad-dht protocol: the node's own even while the DHT is a client and serves no handler
   * for it.
   */
  dhtProtocol: string
}

/** The parts of a built node the observer reads. */
export interface NetworkObserverComponents {
  libp2p: Pick<Libp2p, 'getProtocols'>
}

/**
 * Built before libp2p (its stream hook goes into libp2p's `Metrics` component), attached once
 * libp2p exists, started before libp2p starts and stopped after libp2p stopped, so it sees every
 * connection of a run.
 */
export class NetworkObserver {
  private readonly protocols: ProtocolMeter
  private components?: NetworkObserverComponents

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

  /** Zeroes the counts of the last run. */
  start(): void {
    this.protocols.reset()
  }

  stop(): void {}

  /** Stream bytes by protocol: every protocol the node serves now, at 0 until used, and `other`. */
  protocolBytes(): Record<string, BandwidthSnapshot> {
    this.protocols.include(this.components?.libp2p.getProtocols() ?? [])
    return this.protocols.snapshot()
  }
}
