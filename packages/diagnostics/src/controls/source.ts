/**
 * What the control routes (`POST /control/*`) ask of a p2p node: connect, disconnect, ping and
 * find a peer. Like `DiagnosticsSource`, structural types only: the application adapts its node
 * to them, and the package never imports libp2p.
 */

import type { DialErrorClass } from '../source.js'

/** What every control operation is given. */
export interface ControlOptions {
  /** Aborted at the route's timeout, or when the client goes away. */
  signal: AbortSignal
}

/** A connection the node has to a peer after `connect`. */
export interface ConnectResult {
  peerId: string
  /** The address of the connection (the one dialled, or that of a connection already open). */
  remoteAddr: string
  /** `inbound` when the connection libp2p answered with is one the peer had opened. */
  direction: 'inbound' | 'outbound'
}

/** What `disconnect` closed. */
export interface DisconnectResult {
  peerId: string
  /** Connections to the peer that were open; 0 when it was not connected. */
  closedConnections: number
}

/** What `findPeer` found. */
export interface FindPeerResult {
  peerId: string
  multiaddrs: string[]
}

/**
 * The operations behind the control routes. Each resolves `undefined` while the node does not run
 * (the route answers 503) and rejects with a {@link ControlError} for what the client should hear
 * of; any other error answers 500 and is logged.
 */
export interface ControlSource {
  /** Dials `multiaddr` (with or without `/p2p/<peer id>`), or answers with an open connection. */
  connect(multiaddr: string, options: ControlOptions): Promise<ConnectResult | undefined>
  /** Closes every connection to the peer. */
  disconnect(peerId: string, options: ControlOptions): Promise<DisconnectResult | undefined>
  /** One ping of the peer (dialling it when not connected): the round trip in ms. */
  ping(peerId: string, options: ControlOptions): Promise<number | undefined>
  /** The peer's addresses, from the node's peer store or a DHT query. */
  findPeer(peerId: string, options: ControlOptions): Promise<FindPeerResult | undefined>
}

/**
 * What went wrong, for the client: a peer ID or multiaddr the node cannot use
 * (`ERR_INVALID_INPUT`, 400), a failed dial (`ERR_DIAL_FAILED`, 502), a ping that failed on a
 * connection (`ERR_PING_FAILED`, 502), a peer no router knows (`ERR_PEER_NOT_FOUND`, 404).
 */
export type ControlErrorCode =
  'ERR_INVALID_INPUT' | 'ERR_DIAL_FAILED' | 'ERR_PING_FAILED' | 'ERR_PEER_NOT_FOUND'

/**
 * Thrown by a {@link ControlSource}; the message goes to the client as it is, so it is one sentence
 * without internal detail. Routes branch on `name` and `code`, not `instanceof`.
 */
export class ControlError extends Error {
  override readonly name = 'ControlError'
  readonly code: ControlErrorCode
  /** For `ERR_DIAL_FAILED` and `ERR_PING_FAILED`: why the dial failed, when it was one. */
  readonly dialError: DialErrorClass | undefined

  constructor(
    code: ControlErrorCode,
    message: string,
    options: ErrorOptions & { dialError?: DialErrorClass } = {},
  ) {
    super(message, options)
    this.code = code
    this.dialError = options.dialError
  }
}
