/**
 * Connects and disconnects at `info`, without flooding: each peer that connects or disconnects
 * gets a line of its own, up to {@link PEER_LOG_BURST} lines per {@link PEER_LOG_WINDOW_MS}; past
 * that, the rest of the window is counted and told in one summary line when it ends. A churning
 * node logs at most a burst and a summary every window, whatever its peers do.
 */

import type { Logger } from '../logger.js'

/** Lines of their own per window. */
export const PEER_LOG_BURST = 10

/** The window, in ms. */
export const PEER_LOG_WINDOW_MS = 10_000

export interface PeerEventLine {
  peer: string
  /** The connection's remote address, when one is known. */
  address?: string
  direction?: 'inbound' | 'outbound'
}

export class PeerLog {
  private lines = 0
  private suppressed = { connected: 0, disconnected: 0 }
  private timer?: ReturnType<typeof setTimeout>

  constructor(
    private readonly log: Logger,
    private readonly windowMs = PEER_LOG_WINDOW_MS,
    private readonly burst = PEER_LOG_BURST,
  ) {}

  connected(line: PeerEventLine): void {
    this.write('connected', line)
  }

  disconnected(line: PeerEventLine): void {
    this.write('disconnected', line)
  }

  /** Ends the window now: tells what it held back, and clears the timer. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    const { connected, disconnected } = this.suppressed
    if (connected + disconnected > 0) {
      this.log.info(
        `and ${connected} more peer${connected === 1 ? '' : 's'} connected, ${disconnected} more disconnected in the last ${this.windowMs / 1000} s`,
        { connected, disconnected },
      )
    }
    this.lines = 0
    this.suppressed = { connected: 0, disconnected: 0 }
  }

  private write(event: 'connected' | 'disconnected', line: PeerEventLine): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.flush()
      }, this.windowMs)
      this.timer.unref?.()
    }
    if (this.lines < this.burst) {
      this.lines++
      this.log.info(`peer ${event}`, { ...line })
    } else {
      this.suppressed[event]++
    }
  }
}
