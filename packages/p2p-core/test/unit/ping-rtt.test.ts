import { TypedEventEmitter } from 'main-event'
import { PING_PROTOCOL, watchPings } from '../../src/network/ping-rtt.js'
import type { PingEvent } from '../../src/network/ping-rtt.js'
import type { Stream } from '@libp2p/interface'

class FakeStream extends TypedEventEmitter<{ message: MessageEvent<Uint8Array> }> {
  constructor(
    readonly protocol: string,
    readonly direction: 'inbound' | 'outbound',
  ) {
    super()
  }
  send(): boolean {
    return true
  }
  deliver(bytes: number): void {
    this.dispatchEvent(new MessageEvent('message', { data: new Uint8Array(bytes) }))
  }
}

function watched(protocol: string, direction: 'inbound' | 'outbound') {
  let clock = 0
  const pings: PingEvent[] = []
  const stream = new FakeStream(protocol, direction)
  watchPings(
    stream as unknown as Stream,
    (e) => pings.push(e),
    () => clock,
  )
  return {
    stream,
    pings,
    at: (ms: number) => {
      clock = ms
    },
  }
}

describe('watchPings', () => {
  test('times each ping from its send to the last byte of its echo', () => {
    const { stream, pings, at } = watched(PING_PROTOCOL, 'outbound')
    at(1_000)
    stream.send(new Uint8Array(32))
    at(1_003)
    stream.deliver(20)
    expect(pings).toEqual([])
    at(1_007)
    stream.deliver(12)
    expect(pings).toEqual([{ rttMs: 7 }])
    // a second ping on the same stream
    at(2_000)
    stream.send(new Uint8Array(32))
    at(2_002)
    stream.deliver(32)
    expect(pings).toEqual([{ rttMs: 7 }, { rttMs: 2 }])
  })

  test("leaves peers' pings (inbound) and other protocols alone", () => {
    for (const [protocol, direction] of [
      [PING_PROTOCOL, 'inbound'],
      ['/ipfs/id/1.0.0', 'outbound'],
    ] as const) {
      const { stream, pings } = watched(protocol, direction)
      stream.send(new Uint8Array(32))
      stream.deliver(32)
      expect(pings).toEqual([])
    }
  })
})
