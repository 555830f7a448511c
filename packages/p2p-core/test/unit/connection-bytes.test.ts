import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { createBandwidthMeter } from '../../src/bandwidth-meter.js'
import { SILENT_LIBP2P_LOGGER } from '../../src/logger.js'
import { createConnectionByteCounter } from '../../src/network/connection-bytes.js'
import { wireMetrics } from '../../src/wire-metrics.js'
import type { MultiaddrConnection } from '@libp2p/interface'

/** A raw connection that sends and emits `message` events, with its own timeline. */
class FakeConnection extends TypedEventEmitter<{ message: MessageEvent<Uint8Array> }> {
  readonly timeline = { open: Date.now() }
  constructor(readonly remoteAddr = multiaddr('/ip4/127.0.0.1/tcp/4001')) {
    super()
  }
  send(data: Uint8Array): boolean {
    void data
    return true
  }
  receive(data: Uint8Array): void {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }
}

const asMaConn = (conn: FakeConnection): MultiaddrConnection =>
  conn as unknown as MultiaddrConnection

describe('connection byte counter', () => {
  test('counts each connection apart, found by the timeline its upgraded connection shares', () => {
    const counter = createConnectionByteCounter()
    const one = new FakeConnection()
    const two = new FakeConnection()
    counter.track(asMaConn(one))
    counter.track(asMaConn(two))
    one.send(new Uint8Array(100))
    one.receive(new Uint8Array(40))
    two.receive(new Uint8Array(7))
    expect(counter.bytesOf({ timeline: one.timeline })).toEqual({ inBytes: 40, outBytes: 100 })
    expect(counter.bytesOf({ timeline: two.timeline })).toEqual({ inBytes: 7, outBytes: 0 })
    expect(counter.bytesOf({ timeline: { open: 0 } })).toBeUndefined()
  })

  test('a connection tracked twice counts once', () => {
    const counter = createConnectionByteCounter()
    const conn = new FakeConnection()
    counter.track(asMaConn(conn))
    counter.track(asMaConn(conn))
    conn.send(new Uint8Array(10))
    conn.receive(new Uint8Array(3))
    expect(counter.bytesOf(conn)).toEqual({ inBytes: 3, outBytes: 10 })
  })

  test('a connection without a timeline is left uncounted, never an error', () => {
    const counter = createConnectionByteCounter()
    const conn = new FakeConnection() as unknown as { timeline?: unknown }
    delete conn.timeline
    expect(() => counter.track(conn as MultiaddrConnection)).not.toThrow()
    expect(counter.bytesOf({ timeline: { open: 0 } })).toBeUndefined()
  })

  test('the Metrics component shows it every connection, relayed ones too, which the meter leaves out', () => {
    const meter = createBandwidthMeter()
    const counter = createConnectionByteCounter()
    const metrics = wireMetrics(
      meter,
      undefined,
      undefined,
      counter.track,
    )({ logger: SILENT_LIBP2P_LOGGER })
    const relayed = new FakeConnection(
      multiaddr(
        '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit',
      ),
    )
    const direct = new FakeConnection()
    metrics.trackMultiaddrConnection(asMaConn(relayed))
    metrics.trackMultiaddrConnection(asMaConn(direct))
    relayed.receive(new Uint8Array(50))
    direct.receive(new Uint8Array(20))
    expect(counter.bytesOf(relayed)).toEqual({ inBytes: 50, outBytes: 0 })
    expect(counter.bytesOf(direct)).toEqual({ inBytes: 20, outBytes: 0 })
    expect(meter.totals().inTotalBytes).toBe(20)
  })
})
