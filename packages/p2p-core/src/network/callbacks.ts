/**
 * What the network observer reports as it happens, for the diagnostics to count. Member names
 * and shapes match `NetworkCallbacks` of `@wes/diagnostics`; every member is optional.
 */

import type { ConnectionCloseEvent, ConnectionOpenEvent } from './connections.js'
import type { DialEndEvent } from './dials.js'
import type { InboundRefusedEvent } from './inbound-refusals.js'
import type { PingEvent } from './ping-rtt.js'

export interface NetworkCallbacks {
  /** A connection opened (libp2p's `connection:open`). */
  onConnectionOpen?(event: ConnectionOpenEvent): void
  /** That connection closed. */
  onConnectionClose?(event: ConnectionCloseEvent): void
  /** An outbound dial of libp2p ended, whoever asked for it. */
  onDialEnd?(event: DialEndEvent): void
  /** One of the node's own pings got its echo back (the connection monitor's or the ping service's). */
  onPing?(event: PingEvent): void
  /** libp2p refused an inbound connection before its handshake (inbound-refusals.ts). */
  onInboundRefused?(event: InboundRefusedEvent): void
}

/** Calls one callback; a callback that throws never breaks the node. */
export function notify<Name extends keyof NetworkCallbacks>(
  callbacks: NetworkCallbacks,
  name: Name,
  ...args: Parameters<NonNullable<NetworkCallbacks[Name]>>
): void {
  const callback = callbacks[name] as ((...a: typeof args) => void) | undefined
  try {
    callback?.apply(callbacks, args)
  } catch {
    // metrics are best effort
  }
}
