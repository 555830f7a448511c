/**
 * A mechanism fed by the `peer` events of a libp2p service (the events libp2p itself turns into
 * `peer:discovery`): each answer of a peer that is neither connected nor being dialled may
 * become a dial. mDNS and the DHT are two of them.
 */

import { dialTargetOf } from './mechanism.js'
import type { DiscoveryContext, DiscoveryMechanism } from './mechanism.js'
import type { PeerDiscoveryEvents, PeerInfo } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

export interface PeerEventDiscoveryInit {
  /** The mechanism's name. */
  name: string
  /** The service whose own `peer` events are this mechanism's finds. */
  events: TypedEventTarget<PeerDiscoveryEvents>
  /**
   * Whether an event is a find, reported through `context.found`; every event is reported
   * through `context.answered`. `connected`: the node has a connection to the peer.
   *
   * @default every event is a find
   */
  isFind?(info: PeerInfo, connected: boolean): boolean
  /**
   * Whether a found peer is dialled now.
   *
   * @default always
   */
  shouldDial?(context: DiscoveryContext): boolean
}

class PeerEventDiscovery implements DiscoveryMechanism {
  readonly name: string
  private readonly init: PeerEventDiscoveryInit
  private context?: DiscoveryContext

  constructor(init: PeerEventDiscoveryInit) {
    this.name = init.name
    this.init = init
    this.onPeer = this.onPeer.bind(this)
  }

  start(context: DiscoveryContext): void {
    if (this.context != null) {
      return
    }
    this.context = context
    this.init.events.addEventListener('peer', this.onPeer)
  }

  stop(): void {
    if (this.context == null) {
      return
    }
    this.init.events.removeEventListener('peer', this.onPeer)
    this.context = undefined
  }

  private onPeer(evt: CustomEvent<PeerInfo>): void {
    const context = this.context
    const info = evt.detail
    const id = info.id.toString()
    if (context == null || id === context.libp2p.peerId.toString()) {
      return
    }
    const connected = context.isConnected(info.id)
    context.answered(id)
    if (this.init.isFind?.(info, connected) ?? true) context.found(id)
    // a peer that answers again while not connected is dialled again, found or not
    if (context.isDialing(id) || connected || !(this.init.shouldDial?.(context) ?? true)) {
      return
    }
    void context.dial(id, dialTargetOf(info))
  }
}

/** A mechanism that dials the peers a service reports in its `peer` events. */
export function peerEventDiscovery(init: PeerEventDiscoveryInit): DiscoveryMechanism {
  return new PeerEventDiscovery(init)
}
