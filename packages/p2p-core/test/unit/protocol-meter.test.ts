import { TypedEventEmitter } from 'main-event'
import {
  createProtocolMeter,
  MAX_NAMED_PROTOCOLS,
  OTHER_PROTOCOL,
} from '../../src/network/protocol-meter.js'
import type { Stream } from '@libp2p/interface'

/** A negotiated stream that only sends and delivers `message` events, as libp2p's do. */
class FakeStream extends TypedEventEmitter<{ message: MessageEvent<Uint8Array> }> {
  sent = 0
  constructor(readonly protocol: string) {
    super()
  }
  send(data: Uint8Array): boolean {
    this.sent += data.byteLength
    return true
  }
  deliver(bytes: number): void {
    this.dispatchEvent(new MessageEvent('message', { data: new Uint8Array(bytes) }))
  }
}

const OWN = new Set(['/ipfs/ping/1.0.0', '/wes/kad/1.0.0'])

function stream(protocol: string): FakeStream & Stream {
  return new FakeStream(protocol) as FakeStream & Stream
}

describe('createProtocolMeter', () => {
  test("counts each stream's bytes under its protocol when it is the node's own, else under other", () => {
    const meter = createProtocolMeter({ isOwnProtocol: (p) => OWN.has(p) })
    const ping = stream('/ipfs/ping/1.0.0')
    const relay = stream('/libp2p/circuit/relay/0.2.0/hop')
    meter.track(ping)
    meter.track(relay)
    ping.send(new Uint8Array(32))
    ping.deliver(32)
    relay.send(new Uint8Array(100))
    relay.deliver(7)

    const snapshot = meter.snapshot()
    expect(Object.keys(snapshot)).toEqual(['/ipfs/ping/1.0.0', OTHER_PROTOCOL])
    expect(snapshot['/ipfs/ping/1.0.0']).toMatchObject({ inTotalBytes: 32, outTotalBytes: 32 })
    expect(snapshot[OTHER_PROTOCOL]).toMatchObject({ inTotalBytes: 7, outTotalBytes: 100 })
    expect(snapshot['/ipfs/ping/1.0.0']?.outRateBytesPerSecond).toBeGreaterThan(0)
    // the data still reaches the stream
    expect(ping.sent).toBe(32)
  })

  test('never adds a message listener: the stream keeps its buffered data for its own reader', () => {
    const meter = createProtocolMeter({ isOwnProtocol: () => true })
    const s = stream('/ipfs/id/1.0.0')
    meter.track(s)
    expect(s.listenerCount('message')).toBe(0)
    let read = 0
    s.addEventListener('message', (evt) => {
      read += evt.data.byteLength
    })
    s.deliver(10)
    expect(read).toBe(10)
    expect(meter.snapshot()['/ipfs/id/1.0.0']?.inTotalBytes).toBe(10)
  })

  test('includes the protocols the node serves at 0, and names at most MAX_NAMED_PROTOCOLS', () => {
    const meter = createProtocolMeter({ isOwnProtocol: (p) => p.startsWith('/own/') })
    meter.include(['/own/a', '/not-own/b'])
    expect(meter.snapshot()).toEqual({
      '/own/a': {
        inTotalBytes: 0,
        outTotalBytes: 0,
        inRateBytesPerSecond: 0,
        outRateBytesPerSecond: 0,
      },
      other: {
        inTotalBytes: 0,
        outTotalBytes: 0,
        inRateBytesPerSecond: 0,
        outRateBytesPerSecond: 0,
      },
    })
    meter.include(Array.from({ length: 2 * MAX_NAMED_PROTOCOLS }, (_, i) => `/own/${i}`))
    expect(Object.keys(meter.snapshot())).toHaveLength(MAX_NAMED_PROTOCOLS + 1)
    const late = stream('/own/late')
    meter.track(late)
    late.send(new Uint8Array(5))
    expect(meter.snapshot()[OTHER_PROTOCOL]?.outTotalBytes).toBe(5)
  })

  test('reset zeroes the counts and forgets the names', () => {
    const meter = createProtocolMeter({ isOwnProtocol: () => true })
    const s = stream('/own/a')
    meter.track(s)
    s.send(new Uint8Array(3))
    meter.reset()
    expect(meter.snapshot()).toEqual({
      other: {
        inTotalBytes: 0,
        outTotalBytes: 0,
        inRateBytesPerSecond: 0,
        outRateBytesPerSecond: 0,
      },
    })
  })
})
