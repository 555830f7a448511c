/**
 * Connections as they open and close: which way, over which transport, how long they lasted and
 * what ended them, in fixed sets.
 *
 * What ended a connection is read from what libp2p tells: the `close` event of the connection
 * carries the error that ended it, if any. With no error the close was clean, and it was this
 * node's when something here called the connection's `close()` (hang-up, pruning above
 * `maxConnections`, the node stopping), else the peer's. An error is a `timeout` (the socket's
 * inactivity timeout, or the connection monitor's ping that got no answer in time), a `reset`
 * (the peer reset the connection or the stream under it), or another `error`.
 */

import { errorTree } from '../error-code.js'
import type { Connection } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Which way a connection was opened: `inbound` when the peer dialled. */
export type ConnectionDirection = 'inbound' | 'outbound'

/** Every direction. */
export const CONNECTION_DIRECTIONS: readonly ConnectionDirection[] = ['inbound', 'outbound']

/** The transport of a connection: TCP, a circuit relay (v2), or any other. */
export type ConnectionTransport = 'tcp' | 'circuit-relay' | 'other'

/** Every transport. */
export const CONNECTION_TRANSPORTS: readonly ConnectionTransport[] = [
  'tcp',
  'circuit-relay',
  'other',
]

/** What ended a connection (see the top of this file). */
export type ConnectionCloseReason = 'local' | 'remote' | 'reset' | 'timeout' | 'error'

/** Every close reason. */
export const CONNECTION_CLOSE_REASONS: readonly ConnectionCloseReason[] = [
  'local',
  'remote',
  'reset',
  'timeout',
  'error',
]

/** A connection that opened. */
export interface ConnectionOpenEvent {
  direction: ConnectionDirection
  transport: ConnectionTransport
}

/** A connection that closed. */
export interface ConnectionCloseEvent extends ConnectionOpenEvent {
  reason: ConnectionCloseReason
  /** From the moment its transport connected to the close. */
  durationMs: number
}

/** The transport of a connection by its remote address. */
export function transportOf(remoteAddr: Multiaddr): ConnectionTransport {
  const names = remoteAddr.getComponents().map((component) => component.name)
  // a relayed address names the relay's transport first: the circuit is what counts
  if (names.includes('p2p-circuit')) return 'circuit-relay'
  return names.includes('tcp') ? 'tcp' : 'other'
}

const TIMEOUT_NAMES = new Set(['TimeoutError'])
const TIMEOUT_CODES = new Set(['ETIMEDOUT'])
const RESET_NAMES = new Set(['StreamResetError'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/** What ended a connection, from the error of its `close` event and who called `close()`. */
export function closeReasonOf(error: unknown, closedLocally: boolean): ConnectionCloseReason {
  if (error === undefined || error === null) return closedLocally ? 'local' : 'remote'
  let reset = false
  for (const err of errorTree(error)) {
    const { name, code } = err as { name?: unknown; code?: unknown }
    if (TIMEOUT_NAMES.has(String(name)) || TIMEOUT_CODES.has(String(code))) return 'timeout'
    if (RESET_NAMES.has(String(name)) || RESET_CODES.has(String(code))) reset = true
  }
  return reset ? 'reset' : 'error'
}

export interface ConnectionWatchCallbacks {
  open(event: ConnectionOpenEvent): void
  close(event: ConnectionCloseEvent): void
}

/**
 * Reports `connection` as opened now, and once as closed when it closes. Its `close()` is wrapped
 * to tell this node's clean closes from the peer's.
 */
export function watchConnection(
  connection: Connection,
  report: ConnectionWatchCallbacks,
  now: () => number = Date.now,
): void {
  const opened: ConnectionOpenEvent = {
    direction: connection.direction,
    transport: transportOf(connection.remoteAddr),
  }
  const openedAt = connection.timeline.open ?? now()
  let closedLocally = false
  const close = connection.close.bind(connection)
  connection.close = async (options) => {
    closedLocally = true
    return close(options)
  }
  connection.addEventListener(
    'close',
    (evt) => {
      report.close({
        ...opened,
        reason: closeReasonOf(evt.error, closedLocally),
        durationMs: Math.max(0, now() - openedAt),
      })
    },
    { once: true },
  )
  report.open(opened)
}
