/**
 * Ping round trips, as the node's own pings measure them: libp2p's connection monitor pings
 * every connection every 10 s, and the ping service pings on request; both open an outbound
 * `/ipfs/ping/1.0.0` stream, send 32 random bytes and wait for the peer to echo them. Neither
 * reports the round trip anywhere public but `connection.rtt` (overwritten each time), so the
 * outbound ping streams are tapped like every other stream (stream-tap.ts): a round trip is the
 * time from handing bytes to the stream to the echo of the last of them coming back.
 */

import { tapStream } from './stream-tap.js'
import type { Stream } from '@libp2p/interface'

/** The ping protocol of libp2p's ping service and connection monitor. */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'

/** Pings awaiting their echo on one stream at most (libp2p sends one at a time). */
const MAX_PENDING = 16

/** One ping's round trip. */
export interface PingEvent {
  rttMs: number
}

/**
 * Times the pings of `stream` if it is an outbound ping stream (an inbound one is a peer's ping,
 * which this node only echoes); reports each round trip once its echo is complete.
 */
export function watchPings(
  stream: Stream,
  report: (event: PingEvent) => void,
  now: () => number = Date.now,
): void {
  if (stream.protocol !== PING_PROTOCOL || stream.direction !== 'outbound') return
  let sent = 0
  let received = 0
  const pending: Array<{ at: number; echoedAt: number }> = []
  tapStream(stream, {
    sent(bytes) {
      sent += bytes
      if (pending.length < MAX_PENDING) pending.push({ at: now(), echoedAt: sent })
    },
    received(bytes) {
      received += bytes
      while (pending[0] !== undefined && received >= pending[0].echoedAt) {
        const ping = pending.shift() as { at: number }
        report({ rttMs: Math.max(0, now() - ping.at) })
      }
    },
  })
}
