/**
 * Wire bytes of each connection, for the per-peer and per-connection detail (details.ts): what
 * the bandwidth meter counts for the node as a whole, kept apart per connection and never a
 * metric label.
 *
 * libp2p hands the meter a raw multiaddr connection before upgrading it, and the `Connection` it
 * upgrades it into shares that connection's `timeline` object (libp2p 3: `connection.timeline ===
 * maConn.timeline`); nothing else public links the two. So the counts are keyed by the timeline,
 * in a WeakMap: an entry lives exactly as long as its connection, and a connection the counter
 * never saw reads `undefined`. Relayed connections are counted here too (the meter leaves them
 * out of the node's totals, as their bytes also cross the connection to the relay).
 */

import type { Connection, MultiaddrConnection } from '@libp2p/interface'

/** Bytes of one connection since it opened. */
export interface ConnectionBytes {
  inBytes: number
  outBytes: number
}

export interface ConnectionByteCounter {
  /** Counts the bytes of a raw connection from now on (libp2p's `trackMultiaddrConnection`). */
  track(maConn: MultiaddrConnection): void
  /** The bytes of an upgraded connection; `undefined` when it was never tracked. */
  bytesOf(connection: Pick<Connection, 'timeline'>): Readonly<ConnectionBytes> | undefined
}

/**
 * Creates a counter.
 *
 * @example
 * const counter = createConnectionByteCounter()
 * // in the Metrics component: trackMultiaddrConnection(maConn) { counter.track(maConn) }
 * counter.bytesOf(connection) // { inBytes: 2_099_386, outBytes: 1_532 }
 */
export function createConnectionByteCounter(): ConnectionByteCounter {
  const counts = new WeakMap<object, ConnectionBytes>()
  return {
    track(maConn) {
      // a connection without a timeline object cannot be found again: leave it uncounted rather
      // than fail its upgrade (a WeakMap key must be an object)
      const { timeline } = maConn as { timeline?: unknown }
      if (typeof timeline !== 'object' || timeline === null || counts.has(timeline)) return
      const bytes: ConnectionBytes = { inBytes: 0, outBytes: 0 }
      counts.set(timeline, bytes)
      maConn.addEventListener('message', (evt) => {
        bytes.inBytes += evt.data.byteLength
      })
      const send = maConn.send.bind(maConn)
      maConn.send = (data) => {
        bytes.outBytes += data.byteLength
        return send(data)
      }
    },
    bytesOf(connection) {
      return counts.get(connection.timeline)
    },
  }
}
