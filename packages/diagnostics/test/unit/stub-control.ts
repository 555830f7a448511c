import { ControlError } from '../../src/index.js'
import type { ControlOptions, ControlSource } from '../../src/index.js'

export const PEER_A = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
export const PEER_B = '12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9nLiqiZcxvmuw'

/** A typed stand-in for a node's controls: each operation as given, every call recorded. */
export interface StubControl extends ControlSource {
  calls: Array<{ op: string; arg: string; signal: AbortSignal }>
}

export function createStubControl(overrides: Partial<ControlSource> = {}): StubControl {
  const calls: StubControl['calls'] = []
  const record = (op: string, arg: string, options: ControlOptions): void => {
    calls.push({ op, arg, signal: options.signal })
  }
  return {
    calls,
    async connect(multiaddr, options) {
      record('connect', multiaddr, options)
      if (overrides.connect) return overrides.connect(multiaddr, options)
      return { peerId: PEER_A, remoteAddr: '/ip4/127.0.0.1/tcp/4001', direction: 'outbound' }
    },
    async disconnect(peerId, options) {
      record('disconnect', peerId, options)
      if (overrides.disconnect) return overrides.disconnect(peerId, options)
      return { peerId, closedConnections: 2 }
    },
    async ping(peerId, options) {
      record('ping', peerId, options)
      if (overrides.ping) return overrides.ping(peerId, options)
      return 3
    },
    async findPeer(peerId, options) {
      record('findPeer', peerId, options)
      if (overrides.findPeer) return overrides.findPeer(peerId, options)
      return { peerId, multiaddrs: ['/ip4/127.0.0.1/tcp/4002'] }
    },
  }
}

/** An operation that waits until its signal aborts, then rejects as libp2p would. */
export function untilAborted(options: ControlOptions): Promise<never> {
  return new Promise((_, reject) => {
    options.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
  })
}

export function dialFailed(): ControlError {
  return new ControlError(
    'ERR_DIAL_FAILED',
    'cannot connect to /ip4/127.0.0.1/tcp/9: connection refused',
    {
      dialError: 'refused',
    },
  )
}
