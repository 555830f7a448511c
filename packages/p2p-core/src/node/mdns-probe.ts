/**
 * The mDNS probe: `@libp2p/mdns` reports socket problems only to its debug log, and its
 * `start()` never waits for the socket. {@link watchMdns} wraps `start` so a failure cannot stop
 * the node, and watches the socket to learn whether it bound and joined the multicast group;
 * {@link MdnsState} holds what it learnt, for the snapshot and for `start()` to wait on.
 */

import { describeError } from '../logger.js'
import type { Logger } from '../logger.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/** How long `start()` waits for the mDNS socket to report whether multicast works. */
export const MDNS_READY_TIMEOUT_MS = 2_000

/** The multicast-dns socket wrapper inside the mDNS service. */
interface MulticastSocket {
  on(event: 'ready' | 'networkInterface', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  removeListener(event: string, listener: (...args: never[]) => void): unknown
}

/** The mDNS service instance (`@libp2p/mdns` `MulticastDNS`). */
export interface MdnsHandle extends TypedEventTarget<PeerDiscoveryEvents> {
  mdns?: MulticastSocket
  start(): Promise<void>
}

/** What we learn about mDNS while it runs. */
export class MdnsState {
  started = false
  bound = false
  joined = false
  failure?: string
  private waiters: Array<() => void> = []

  get available(): boolean {
    return this.started && this.bound && this.joined && this.failure == null
  }

  get settled(): boolean {
    return !this.started || this.failure != null || (this.bound && this.joined)
  }

  reset(): void {
    this.started = false
    this.bound = false
    this.joined = false
    this.failure = undefined
  }

  update(change: () => void): void {
    change()
    if (this.settled) {
      const waiters = this.waiters
      this.waiters = []
      waiters.forEach((resolve) => {
        resolve()
      })
    }
  }

  /** Resolves once mDNS is known to work or not, or after `timeoutMs`. */
  async waitSettled(timeoutMs: number): Promise<void> {
    if (this.settled) {
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      timer.unref()
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(done)
    })
  }
}

/** Wraps the service's `start` so that `state` follows its socket (see the file comment). */
export function watchMdns(service: MdnsHandle, state: MdnsState, log: Logger): void {
  const start = service.start.bind(service)
  service.start = async () => {
    state.reset()
    try {
      await start()
    } catch (err) {
      state.update(() => {
        state.failure = describeError(err)
      })
      log.warn('mDNS failed to start', { error: describeError(err) })
      return
    }
    const socket = service.mdns
    state.update(() => {
      state.started = true
      if (socket == null) {
        state.failure = 'no mDNS socket'
      }
    })
    // these fire from socket callbacks, after this microtask: attaching now misses nothing
    socket?.on('ready', () => {
      state.update(() => {
        state.bound = true
      })
    })
    socket?.on('networkInterface', () => {
      state.update(() => {
        state.joined = true
      })
    })
    socket?.on('error', (err: Error) => {
      state.update(() => {
        state.failure = describeError(err)
      })
    })
  }
}
