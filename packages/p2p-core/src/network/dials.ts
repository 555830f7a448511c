/**
 * libp2p's outbound dials, all of them: the discovery service's, the DHT's, AutoNAT's, the relay
 * client's, identify-push's and any `libp2p.dial()`, since every one goes through the connection
 * manager's `openConnection`. libp2p reports no event for a dial, so that method is wrapped (once,
 * when the node is built): a call counts as a dial when libp2p puts a new dial in its dial queue
 * (its `dial-queue:add-to-dial-queue` progress event), never when it answers with a connection it
 * already has or joins a dial already under way. The dial lasts from then to its connection or its
 * error; the error's class is {@link classifyDialError}'s, the same as the health verdict's.
 */

import { classifyDialError } from '../dial-error.js'
import type { DialErrorClass } from '../dial-error.js'
import type { DialOutcome } from '../discovery/mechanism.js'
import type { Connection, DialOptions, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One ended dial. */
export interface DialEndEvent {
  outcome: DialOutcome
  /** From the dial entering libp2p's dial queue to its connection or error. */
  durationMs: number
  /** Why it failed; absent on success. */
  errorClass?: DialErrorClass
}

/** The part of libp2p's connection manager (an internal component) dials go through. */
export interface DialingConnectionManager {
  openConnection(peer: PeerId | Multiaddr | Multiaddr[], options?: DialOptions): Promise<Connection>
}

/** libp2p's progress event for a dial it queues (not one it joins or answers from a connection). */
const NEW_DIAL = 'dial-queue:add-to-dial-queue'

/** Wraps `connectionManager.openConnection` so that every dial it makes is reported once ended. */
export function watchDials(
  connectionManager: DialingConnectionManager,
  report: (event: DialEndEvent) => void,
  now: () => number = Date.now,
): void {
  const openConnection = connectionManager.openConnection.bind(connectionManager)
  connectionManager.openConnection = async (peer, options = {}) => {
    let startedAt: number | undefined
    const onProgress: DialOptions['onProgress'] = (evt) => {
      if (evt.type === NEW_DIAL) startedAt = now()
      options.onProgress?.(evt)
    }
    try {
      const connection = await openConnection(peer, { ...options, onProgress })
      if (startedAt !== undefined) {
        report({ outcome: 'success', durationMs: Math.max(0, now() - startedAt) })
      }
      return connection
    } catch (err) {
      if (startedAt !== undefined) {
        report({
          outcome: 'failure',
          durationMs: Math.max(0, now() - startedAt),
          errorClass: classifyDialError(err),
        })
      }
      throw err
    }
  }
}
