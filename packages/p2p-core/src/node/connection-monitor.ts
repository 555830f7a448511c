/**
 * The connection monitor of the node: libp2p's (3.3), with its pings spread over the period.
 *
 * libp2p's own monitor pings every open connection every 10 s, all of them in one timer tick:
 * with 1,000 connections the node opens 1,000 streams, negotiates, encrypts and writes 1,000
 * pings at once, and the event loop stalls for 0.5-1.4 s (docs/benchmarks.md, B7 and B8), so
 * every scrape or request that falls in that round waits for it. This one does the same work in
 * small pieces: each connection gets one of {@link SLOTS} slots in the period when it opens
 * (libp2p's `connection:open`; it leaves its slot on `connection:close`), and a tick every
 * `pingInterval / SLOTS` pings the connections of its slot together (10 at a time with 1,000
 * connections): a tick reads its slot only, never every connection. Each connection is still
 * pinged once a period; what it measures and does is libp2p's: the round trip lands in `connection.rtt` and in
 * `libp2p_connection_monitor_ping_time_milliseconds` (the same adaptive timeout and metric), a
 * connection whose peer does not speak ping gets half the time to the refusal as its round trip,
 * and one whose ping fails or times out is aborted. One
 * difference: a ping refused locally because another ping stream of the connection is open (the
 * ping service allows one per connection) is skipped, where libp2p's aborts the connection.
 *
 * It replaces libp2p's (`connectionMonitor: { enabled: false }` and this as a service).
 */

import { AdaptiveTimeout, byteStream } from '@libp2p/utils'
import { setMaxListeners } from 'main-event'
import type {
  ComponentLogger,
  Connection,
  Libp2pEvents,
  Logger,
  Metrics,
  Startable,
  TypedEventTarget,
} from '@libp2p/interface'

/** libp2p's period: each connection is pinged once in this many ms. */
export const PING_INTERVAL_MS = 10_000

/** The ping protocol libp2p's monitor speaks (the ping service's). */
const PING_PROTOCOL = '/ipfs/ping/1.0.0'

/** Bytes of a ping, each way. */
const PING_LENGTH = 32

/**
 * Slices of the period: a tick every 100 ms at the default period, so 1,000 connections are
 * pinged 10 at a time.
 */
export const SLOTS = 100

export interface SpreadConnectionMonitorInit {
  /** @default {@link PING_INTERVAL_MS} */
  pingInterval?: number
  /** Abort a connection whose ping fails (libp2p's default). @default true */
  abortConnectionOnPingFailure?: boolean
}

/** What the monitor uses of libp2p's components. */
export interface SpreadConnectionMonitorComponents {
  logger: ComponentLogger
  connectionManager: { getConnections(): Connection[] }
  events: Pick<TypedEventTarget<Libp2pEvents>, 'addEventListener' | 'removeEventListener'>
  metrics?: Metrics
}

export class SpreadConnectionMonitor implements Startable {
  private readonly components: SpreadConnectionMonitorComponents
  private readonly log: Logger
  private readonly tickMs: number
  private readonly abortOnFailure: boolean
  private readonly timeout: AdaptiveTimeout
  /** The slot of each open connection, given in turn as they open so the slots fill evenly. */
  private readonly slots = new Map<Connection, number>()
  /** The open connections of each slot: a tick reads its own, never every connection. */
  private readonly members: Array<Set<Connection>> = Array.from({ length: SLOTS }, () => new Set())
  private nextSlot = 0
  private tick = 0
  private quietUntil = 0
  private timer?: ReturnType<typeof setInterval>
  private abortController?: AbortController

  constructor(
    components: SpreadConnectionMonitorComponents,
    init: SpreadConnectionMonitorInit = {},
  ) {
    this.components = components
    this.log = components.logger.forComponent('wes:connection-monitor')
    this.tickMs = (init.pingInterval ?? PING_INTERVAL_MS) / SLOTS
    this.abortOnFailure = init.abortConnectionOnPingFailure ?? true
    this.timeout = new AdaptiveTimeout({
      metrics: components.metrics,
      metricName: 'libp2p_connection_monitor_ping_time_milliseconds',
    })
    this.onOpen = this.onOpen.bind(this)
    this.onClose = this.onClose.bind(this)
  }

  readonly [Symbol.toStringTag] = '@wes/spread-connection-monitor'

  start(): void {
    this.abortController = new AbortController()
    setMaxListeners(Infinity, this.abortController.signal)
    this.tick = 0
    // as libp2p's: nothing is pinged in the first period after start, then every connection once
    // a period
    this.quietUntil = Date.now() + this.tickMs * SLOTS
    this.components.events.addEventListener('connection:open', this.onOpen)
    this.components.events.addEventListener('connection:close', this.onClose)
    for (const connection of this.components.connectionManager.getConnections()) {
      this.add(connection)
    }
    this.timer = setInterval(() => this.pingSlot(), this.tickMs)
  }

  stop(): void {
    this.abortController?.abort()
    clearInterval(this.timer)
    this.timer = undefined
    this.components.events.removeEventListener('connection:open', this.onOpen)
    this.components.events.removeEventListener('connection:close', this.onClose)
    this.slots.clear()
    for (const members of this.members) members.clear()
  }

  /** The slot of the period `connection` is pinged in; `undefined` before the monitor saw it. */
  slotOf(connection: Connection): number | undefined {
    return this.slots.get(connection)
  }

  private onOpen(evt: CustomEvent<Connection>): void {
    this.add(evt.detail)
  }

  private onClose(evt: CustomEvent<Connection>): void {
    const slot = this.slots.get(evt.detail)
    if (slot === undefined) return
    this.slots.delete(evt.detail)
    this.members[slot]?.delete(evt.detail)
  }

  private add(connection: Connection): void {
    if (this.slots.has(connection)) return
    const slot = this.nextSlot
    this.nextSlot = (this.nextSlot + 1) % SLOTS
    this.slots.set(connection, slot)
    this.members[slot]?.add(connection)
  }

  /**
   * Pings the open connections of this tick's slot, together. Spreading them further, each in a
   * timer of its own over the tick, made every ping's packets wake the event loop on their own:
   * at 1,000 connections the node then spent 250 ms of CPU a second against 140 ms pinging a
   * slot at once and 125 ms for libp2p's single round (B8's setting, docs/benchmarks.md), and
   * the CPU a busy machine gives it in turn came back as event-loop delay.
   */
  private pingSlot(): void {
    const slot = this.tick
    this.tick = (this.tick + 1) % SLOTS
    if (Date.now() < this.quietUntil) return
    for (const connection of this.members[slot] ?? []) {
      if (connection.status !== 'open') continue
      this.ping(connection).catch((err: unknown) => {
        this.log.error('error during heartbeat - %e', err)
        if (this.abortOnFailure) {
          this.log.error('aborting connection due to ping failure')
          connection.abort(err instanceof Error ? err : new Error(String(err)))
        }
      })
    }
  }

  /** One ping, as libp2p's monitor does it. */
  private async ping(connection: Connection): Promise<void> {
    let start = Date.now()
    const signal = this.timeout.getTimeoutSignal({ signal: this.abortController?.signal })
    let stream: Awaited<ReturnType<Connection['newStream']>> | undefined
    try {
      stream = await connection.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true })
      const bytes = byteStream(stream)
      start = Date.now()
      await Promise.all([
        bytes.write(crypto.getRandomValues(new Uint8Array(PING_LENGTH)), { signal }),
        bytes.read({ bytes: PING_LENGTH, signal }),
      ])
      connection.rtt = Date.now() - start
      await stream.close({ signal })
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      const name = (err as { name?: unknown } | null)?.name
      // another ping of this connection is under way (the ping service allows one outbound ping
      // stream per connection, e.g. `wes-node peer ping`): no failure of the peer, so no abort
      if (name === 'TooManyOutboundProtocolStreamsError') return
      if (name !== 'UnsupportedProtocolError') throw err
      connection.rtt = (Date.now() - start) / 2
    } finally {
      this.timeout.cleanUp(signal)
    }
  }
}

/** The service factory libp2p's `services` takes. */
export function spreadConnectionMonitor(
  init: SpreadConnectionMonitorInit = {},
): (components: SpreadConnectionMonitorComponents) => SpreadConnectionMonitor {
  return (components) => new SpreadConnectionMonitor(components, init)
}
