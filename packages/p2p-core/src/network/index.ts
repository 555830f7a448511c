/**
 * What the node observes of its network beyond the wire totals, for the metrics that explain
 * them: stream bytes by protocol (`protocol-meter.ts`), connections as they open and close
 * (`connections.ts`), outbound dials (`dials.ts`), ping round trips (`ping-rtt.ts`), the agents
 * connected peers announce (`agents.ts`), inbound connections libp2p refuses
 * (`inbound-refusals.ts`). It is fed by libp2p's public hooks where there are some (the `Metrics`
 * component's `trackProtocolStream`, the node's events) and by the connection manager's own
 * methods where libp2p reports nothing (dials, refusals).
 */

import { PeerAgents } from './agents.js'
import { notify } from './callbacks.js'
import { watchConnection } from './connections.js'
import { watchDials } from './dials.js'
import { INBOUND_REFUSAL_REASONS, watchInboundRefusals } from './inbound-refusals.js'
import { watchPings } from './ping-rtt.js'
import { createProtocolMeter } from './protocol-meter.js'
import type { BandwidthSnapshot } from '../bandwidth-meter.js'
import type { NetworkCallbacks } from './callbacks.js'
import type { DialingConnectionManager } from './dials.js'
import type { AcceptingConnectionManager, InboundRefusalReason } from './inbound-refusals.js'
import type { ProtocolMeter } from './protocol-meter.js'
import type { Connection, IdentifyResult, Libp2p, PeerId, Stream } from '@libp2p/interface'

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
export { MAX_AGENT_LENGTH } from './agents.js'
export type { DialEndEvent } from './dials.js'
export { INBOUND_CONNECTION_THRESHOLD, INBOUND_REFUSAL_REASONS } from './inbound-refusals.js'
export type { InboundRefusalReason, InboundRefusedEvent } from './inbound-refusals.js'
export { PING_PROTOCOL } from './ping-rtt.js'
export type { PingEvent } from './ping-rtt.js'
export { OTHER_PROTOCOL } from './protocol-meter.js'

/** What the observer uses of libp2p's connection manager (an internal component). */
export type NetworkConnectionManager = DialingConnectionManager & AcceptingConnectionManager

/** Inbound connections refused before their handshake, since the node started. */
export interface InboundRefusalFacts {
  /** The pending-handshake limit in force (`maxInboundPending`). */
  maxPending: number
  /** The connection limit in force (`maxConnections`). */
  maxConnections: number
  /** Refusals by reason: how many, and the Unix ms of the last. */
  reasons: Record<InboundRefusalReason, { count: number; lastAt: number | null }>
}

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
  /** libp2p's `maxIncomingPendingConnections`, as the node configures it. */
  maxInboundPending: number
  /** libp2p's `maxConnections`, as the node configures it. */
  maxConnections: number
}

/** The parts of a built node the observer reads. */
export interface NetworkObserverComponents {
  libp2p: Pick<Libp2p, 'getProtocols' | 'addEventListener' | 'removeEventListener'>
  connectionManager: NetworkConnectionManager
}

/**
 * Built before libp2p (its stream hook goes into libp2p's `Metrics` component), attached once
 * libp2p exists, started before libp2p starts and stopped after libp2p stopped, so it sees every
 * connection of a run.
 */
export class NetworkObserver implements NetworkService {
  private readonly protocols: ProtocolMeter
  private readonly agents = new PeerAgents()
  private readonly init: NetworkObserverInit
  private refusals = NetworkObserver.noRefusals()
  private components?: NetworkObserverComponents
  private callbacks: NetworkCallbacks = {}
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    watchConnection(evt.detail, {
      open: (event) => notify(this.callbacks, 'onConnectionOpen', event),
      close: (event) => notify(this.callbacks, 'onConnectionClose', event),
    })
  }
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    // an answer that arrives after its connection closed would count a peer already gone
    if (evt.detail.connection.status !== 'open') return
    this.agents.identified(evt.detail)
  }
  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.agents.disconnected(evt.detail)
  }

  constructor(init: NetworkObserverInit) {
    this.init = init
    this.protocols = createProtocolMeter({
      isOwnProtocol: (protocol) =>
        protocol === init.dhtProtocol ||
        (this.components?.libp2p.getProtocols().includes(protocol) ?? false),
    })
  }

  /** libp2p's `trackProtocolStream`: every stream once its protocol is negotiated. */
  readonly trackStream = (stream: Stream): void => {
    this.protocols.track(stream)
    watchPings(stream, (event) => notify(this.callbacks, 'onPing', event))
  }

  /** Connects the observer to the node it observes; once, before libp2p starts. */
  attach(components: NetworkObserverComponents): void {
    this.components = components
    watchDials(components.connectionManager, (event) => notify(this.callbacks, 'onDialEnd', event))
    watchInboundRefusals(
      components.connectionManager,
      { maxInboundPending: this.init.maxInboundPending },
      (event) => {
        const seen = this.refusals[event.reason]
        seen.count++
        seen.lastAt = Date.now()
        notify(this.callbacks, 'onInboundRefused', event)
      },
    )
  }

  setDiagnosticsCallbacks(callbacks: NetworkCallbacks | undefined): void {
    this.callbacks = callbacks ?? {}
  }

  /** Zeroes the counts of the last run and listens to libp2p. */
  start(): void {
    this.protocols.reset()
    this.agents.reset()
    this.refusals = NetworkObserver.noRefusals()
    this.listen('addEventListener')
  }

  /** Stops listening; connections seen open still report their close. */
  stop(): void {
    this.listen('removeEventListener')
  }

  private listen(method: 'addEventListener' | 'removeEventListener'): void {
    const libp2p = this.components?.libp2p
    libp2p?.[method]('connection:open', this.onConnectionOpen)
    libp2p?.[method]('peer:identify', this.onIdentify)
    libp2p?.[method]('peer:disconnect', this.onPeerDisconnect)
  }

  /** Inbound connections refused since start, by reason. */
  inboundRefusals(): InboundRefusalFacts {
    return {
      maxPending: this.init.maxInboundPending,
      maxConnections: this.init.maxConnections,
      reasons: Object.fromEntries(
        INBOUND_REFUSAL_REASONS.map((reason) => [reason, { ...this.refusals[reason] }]),
      ) as InboundRefusalFacts['reasons'],
    }
  }

  private static noRefusals(): InboundRefusalFacts['reasons'] {
    return Object.fromEntries(
      INBOUND_REFUSAL_REASONS.map((reason) => [reason, { count: 0, lastAt: null }]),
    ) as InboundRefusalFacts['reasons']
  }

  /** Connected peers by the agent they announced; those that did not are left out. */
  peerAgents(): Readonly<Record<string, number>> {
    return this.agents.count()
  }

  /** Stream bytes by protocol: every protocol the node serves now, at 0 until used, and `other`. */
  protocolBytes(): Record<string, BandwidthSnapshot> {
    this.protocols.include(this.components?.libp2p.getProtocols() ?? [])
    return this.protocols.snapshot()
  }
}
