/**
 * Inbound connections libp2p refuses before their handshake, and why.
 *
 * libp2p 3 decides in the connection manager's `acceptIncomingConnection(maConn)`, which the
 * upgrader calls for every inbound raw connection before anything else; a `false` makes the
 * upgrader throw `ConnectionDeniedError` and the transport close the socket. libp2p reports the
 * refusal only as a debug log line and a count without a reason (`libp2p_connection_manager_
 * dials_inbound_errors_total{ConnectionDeniedError}`). A connection gater cannot see these
 * refusals: its `denyInboundConnection` runs after `acceptIncomingConnection` said yes (upgrader.js,
 * `upgradeInbound`), so a refused connection never reaches it. And the `Metrics` component's
 * `trackMultiaddrConnection` is only called for accepted ones. So this wraps
 * `acceptIncomingConnection`, and `afterUpgradeInbound` (called once for each accepted connection
 * when its handshake ends), and counts every `false`.
 *
 * Why it refused is what libp2p checked, in its order (connection-manager/index.js, libp2p 3.3):
 * 1. the deny list (`connectionManager.deny`, which wes-node does not set): `denied`;
 * 2. the allow list, which skips every limit below (wes-node sets none);
 * 3. handshakes under way reached `maxIncomingPendingConnections` (`--max-inbound-pending`):
 *    `pending_limit`. The count of handshakes under way is kept here exactly as libp2p keeps it:
 *    one more for each accepted connection, one less for each `afterUpgradeInbound`;
 * 4. more than `inboundConnectionThreshold` (5, libp2p's default, which wes-node keeps)
 *    connections from one host within a second: `rate_limit`. libp2p's limiter counts every
 *    connection that passes step 3; the same count is kept here per host, in the same fixed
 *    one-second windows, from the same calls;
 * 5. as many connections open as `maxConnections` (`--max-connections`): `max_connections`.
 * A refusal that steps 3 to 5 do not explain is the deny list's.
 */

import { getNetConfig, isNetworkAddress } from '@libp2p/utils'
import type { Connection, MultiaddrConnection } from '@libp2p/interface'

/** Why an inbound connection was refused (see the top of this file). */
export type InboundRefusalReason = 'pending_limit' | 'rate_limit' | 'max_connections' | 'denied'

/** Every reason. */
export const INBOUND_REFUSAL_REASONS: readonly InboundRefusalReason[] = [
  'pending_limit',
  'rate_limit',
  'max_connections',
  'denied',
]

/** libp2p's `inboundConnectionThreshold`: connections per host and second. wes-node keeps it. */
export const INBOUND_CONNECTION_THRESHOLD = 5

/** The window of that threshold, libp2p's. */
const RATE_WINDOW_MS = 1_000

/** Hosts whose window is remembered at most; expired windows are dropped first. */
const MAX_HOSTS = 10_000

/** One refused inbound connection. */
export interface InboundRefusedEvent {
  reason: InboundRefusalReason
}

/** The part of libp2p's connection manager (an internal component) that accepts connections. */
export interface AcceptingConnectionManager {
  acceptIncomingConnection(maConn: MultiaddrConnection): boolean
  afterUpgradeInbound(): void
  getMaxConnections(): number
  getConnections(): Connection[]
}

export interface InboundRefusalsInit {
  /** The pending-handshake limit libp2p runs with (`maxIncomingPendingConnections`). */
  maxInboundPending: number
  /** @default {@link INBOUND_CONNECTION_THRESHOLD} */
  inboundConnectionThreshold?: number
}

/**
 * Wraps the connection manager's inbound checks (once, when the node is built) so that every
 * refusal is reported with its reason.
 */
export function watchInboundRefusals(
  connectionManager: AcceptingConnectionManager,
  init: InboundRefusalsInit,
  report: (event: InboundRefusedEvent) => void,
  now: () => number = Date.now,
): void {
  const threshold = init.inboundConnectionThreshold ?? INBOUND_CONNECTION_THRESHOLD
  const windows = new Map<string, { count: number; endsAt: number }>()
  let pending = 0

  /** libp2p's per-host count, after it counted this connection. */
  const countHost = (host: string): number => {
    const at = now()
    let window = windows.get(host)
    if (window === undefined || at >= window.endsAt) {
      if (windows.size >= MAX_HOSTS) {
        for (const [key, old] of windows) if (at >= old.endsAt) windows.delete(key)
      }
      window = { count: 0, endsAt: at + RATE_WINDOW_MS }
      if (windows.size < MAX_HOSTS) windows.set(host, window)
    }
    window.count++
    return window.count
  }

  const accept = connectionManager.acceptIncomingConnection.bind(connectionManager)
  connectionManager.acceptIncomingConnection = (maConn) => {
    const pendingBefore = pending
    const accepted = accept(maConn)
    if (accepted) {
      pending++
      if (isNetworkAddress(maConn.remoteAddr)) countHost(getNetConfig(maConn.remoteAddr).host)
      return true
    }
    let reason: InboundRefusalReason
    if (pendingBefore >= init.maxInboundPending) {
      reason = 'pending_limit'
    } else if (
      isNetworkAddress(maConn.remoteAddr) &&
      countHost(getNetConfig(maConn.remoteAddr).host) > threshold
    ) {
      reason = 'rate_limit'
    } else if (connectionManager.getConnections().length >= connectionManager.getMaxConnections()) {
      reason = 'max_connections'
    } else {
      reason = 'denied'
    }
    report({ reason })
    return false
  }

  const afterUpgradeInbound = connectionManager.afterUpgradeInbound.bind(connectionManager)
  connectionManager.afterUpgradeInbound = () => {
    pending = Math.max(0, pending - 1)
    afterUpgradeInbound()
  }
}
