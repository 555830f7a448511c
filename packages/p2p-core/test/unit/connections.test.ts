import {
  StreamAbortEvent,
  StreamCloseEvent,
  StreamResetEvent,
  StreamResetError,
  TimeoutError,
} from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { closeReasonOf, transportOf, watchConnection } from '../../src/network/connections.js'
import type { ConnectionCloseEvent, ConnectionOpenEvent } from '../../src/network/connections.js'
import type { Connection } from '@libp2p/interface'

describe('transportOf', () => {
  test.each([
    ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', 'tcp'],
    ['/ip6/::1/tcp/4001', 'tcp'],
    [
      '/ip4/1.2.3.4/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit/p2p/12D3KooWJWEKvSFbben74C7H4YtKjhPMTDxd7gP7zxWSUEeF27st',
      'circuit-relay',
    ],
    ['/ip4/127.0.0.1/udp/4001/quic-v1', 'other'],
    ['/memory/a', 'other'],
  ])('%s is %s', (addr, transport) => {
    expect(transportOf(multiaddr(addr))).toBe(transport)
  })
})

describe('closeReasonOf', () => {
  const code = (c: string): Error => Object.assign(new Error(`read ${c}`), { code: c })
  test.each([
    ['a clean close this node asked for', undefined, true, 'local'],
    ['a clean close it did not', undefined, false, 'remote'],
    ["the socket's inactivity timeout", new TimeoutError(), false, 'timeout'],
    [
      'a ping that timed out',
      new DOMException('signal timed out', 'TimeoutError'),
      true,
      'timeout',
    ],
    ['ETIMEDOUT', code('ETIMEDOUT'), false, 'timeout'],
    ['a reset from the peer', code('ECONNRESET'), false, 'reset'],
    ['a stream reset', new StreamResetError(), false, 'reset'],
    ['EPIPE, wrapped', new Error('write failed', { cause: code('EPIPE') }), false, 'reset'],
    ['anything else', new Error('boom'), true, 'error'],
  ])('%s', (_what, error, local, reason) => {
    expect(closeReasonOf(error, local)).toBe(reason)
  })
})

/** A connection that closes as libp2p's does: one `close` event, with the error if any. */
class FakeConnection extends TypedEventEmitter<{ close: StreamCloseEvent }> {
  readonly timeline = { open: 1_000 }
  constructor(
    readonly direction: 'inbound' | 'outbound',
    readonly remoteAddr = multiaddr('/ip4/127.0.0.1/tcp/4001'),
  ) {
    super()
  }
  async close(): Promise<void> {
    this.dispatchEvent(new StreamCloseEvent())
  }
  abort(err: Error): void {
    this.dispatchEvent(new StreamAbortEvent(err))
  }
  remoteReset(): void {
    this.dispatchEvent(new StreamResetEvent(new StreamResetError()))
  }
  remoteClose(): void {
    this.dispatchEvent(new StreamCloseEvent())
  }
}

function watch(conn: FakeConnection, now = 61_000) {
  const opened: ConnectionOpenEvent[] = []
  const closed: ConnectionCloseEvent[] = []
  watchConnection(
    conn as unknown as Connection,
    { open: (e) => opened.push(e), close: (e) => closed.push(e) },
    () => now,
  )
  return { opened, closed }
}

describe('watchConnection', () => {
  test('reports the open at once and one close, with its duration from the transport connecting', async () => {
    const conn = new FakeConnection('outbound')
    const { opened, closed } = watch(conn)
    expect(opened).toEqual([{ direction: 'outbound', transport: 'tcp' }])
    await conn.close()
    conn.remoteClose()
    expect(closed).toEqual([
      { direction: 'outbound', transport: 'tcp', reason: 'local', durationMs: 60_000 },
    ])
  })

  test("tells the peer's clean close, its reset and this node's abort apart", () => {
    const remote = new FakeConnection('inbound')
    const reset = new FakeConnection('inbound')
    const aborted = new FakeConnection('outbound')
    const seen = [watch(remote), watch(reset), watch(aborted)]
    remote.remoteClose()
    reset.remoteReset()
    aborted.abort(new Error('duplicate'))
    expect(seen.map(({ closed }) => closed[0]?.reason)).toEqual(['remote', 'reset', 'error'])
  })
})
