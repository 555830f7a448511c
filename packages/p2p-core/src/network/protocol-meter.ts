/**
 * Stream bytes by protocol: what each protocol of the node sends and receives, after
 * multistream-select negotiated it (stream payload; the yamux and noise framing around it is in
 * the wire totals only). The protocols that get a name of their own are the node's own, the ones
 * it registers handlers for, so a peer can never add one; every other stream (one the node opens
 * with a protocol it does not serve, such as a relay reservation) counts as `other`.
 */

import { createBandwidthMeter } from '../bandwidth-meter.js'
import { tapStream } from './stream-tap.js'
import type { BandwidthMeter, BandwidthSnapshot } from '../bandwidth-meter.js'
import type { Stream } from '@libp2p/interface'

/** The protocol name of every stream whose protocol is not one of the node's own. */
export const OTHER_PROTOCOL = 'other'

/** Own protocols named at most (a node registers a dozen); beyond, streams count as `other`. */
export const MAX_NAMED_PROTOCOLS = 64

export interface ProtocolMeterInit {
  /**
   * Whether a protocol is one of the node's own, asked once per stream of a protocol that has no
   * name yet.
   *
   * @default none is
   */
  isOwnProtocol?: (protocol: string) => boolean
  /** The clock of the rates, in milliseconds. @default Date.now */
  now?: () => number
}

export interface ProtocolMeter {
  /** Counts the bytes of a negotiated stream from now on, under its protocol or `other`. */
  track(stream: Stream): void
  /** Names `protocols` (at 0 until they carry bytes) if they are the node's own. */
  include(protocols: Iterable<string>): void
  /** Totals and rates by protocol name, `other` last (always present). */
  snapshot(): Record<string, BandwidthSnapshot>
  /** Zeroes every count and forgets every name but `other`. */
  reset(): void
}

/**
 * Creates a protocol meter.
 *
 * @example
 * const meter = createProtocolMeter({ isOwnProtocol: (p) => libp2p.getProtocols().includes(p) })
 * meter.track(stream) // from the Metrics component's trackProtocolStream
 * meter.snapshot() // { '/ipfs/ping/1.0.0': { inTotalBytes: 64, ... }, other: { ... } }
 */
export function createProtocolMeter(init: ProtocolMeterInit = {}): ProtocolMeter {
  const isOwnProtocol = init.isOwnProtocol ?? (() => false)
  const newMeter = (): BandwidthMeter => createBandwidthMeter({ now: init.now })
  let other = newMeter()
  const named = new Map<string, BandwidthMeter>()

  const meterOf = (protocol: string): BandwidthMeter => {
    const found = named.get(protocol)
    if (found !== undefined) return found
    if (protocol === OTHER_PROTOCOL || named.size >= MAX_NAMED_PROTOCOLS) return other
    if (!isOwnProtocol(protocol)) return other
    const meter = newMeter()
    named.set(protocol, meter)
    return meter
  }

  return {
    track(stream) {
      const meter = meterOf(stream.protocol ?? '')
      tapStream(stream, {
        sent: (bytes) => meter.record('out', bytes),
        received: (bytes) => meter.record('in', bytes),
      })
    },
    include(protocols) {
      for (const protocol of protocols) meterOf(protocol)
    },
    snapshot() {
      const out: Record<string, BandwidthSnapshot> = {}
      for (const [protocol, meter] of named) out[protocol] = meter.snapshot()
      out[OTHER_PROTOCOL] = other.snapshot()
      return out
    },
    reset() {
      named.clear()
      other = newMeter()
    },
  }
}
