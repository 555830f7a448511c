import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { createBandwidthMeter } from '../../src/bandwidth-meter.js'
import { SILENT_LIBP2P_LOGGER } from '../../src/logger.js'
import { TransferLedger } from '../../src/transfer-ledger.js'
import { wireMetrics } from '../../src/wire-metrics.js'
import type { Metrics, MultiaddrConnection, Stream } from '@libp2p/interface'

/** A raw connection that only sends and emits `message` events. */
class FakeConnection extends TypedEventEmitter<{ message: MessageEvent<Uint8Array> }> {
  constructor(readonly remoteAddr = multiaddr('/ip4/127.0.0.1/tcp/4001')) {
    super()
  }
  sent = 0
  send(data: Uint8Array): boolean {
    this.sent += data.byteLength
    return true
  }
  receive(data: Uint8Array): void {
    this.dispatchEvent(new MessageEvent('message', { data }))
  }
}

describe('wireMetrics', () => {
  test('feeds the meter and discards registrations without a delegate', () => {
    const meter = createBandwidthMeter()
    const metrics = wireMetrics(meter)({ logger: SILENT_LIBP2P_LOGGER })
    const conn = new FakeConnection()
    metrics.trackMultiaddrConnection(conn as unknown as MultiaddrConnection)
    conn.send(new Uint8Array(100))
    conn.receive(new Uint8Array(40))
    expect(meter.totals()).toMatchObject({ outTotalBytes: 100, inTotalBytes: 40 })
    expect(conn.sent).toBe(100)

    const counter = metrics.registerCounter('libp2p_test_total')
    expect(() => counter.increment()).not.toThrow()
    expect(metrics.registerMetric('libp2p_calculated', { calculate: () => 1 })).toBeUndefined()
  })

  test('forwards every registration and tracked connection or stream to the delegate, still feeding the meter', () => {
    const calls: string[] = []
    const handle = { increment: () => calls.push('increment'), reset: () => {} }
    const record =
      (method: string) =>
      (name: string): typeof handle => {
        calls.push(`${method} ${name}`)
        return handle
      }
    const delegate = {
      trackMultiaddrConnection: () => calls.push('trackMultiaddrConnection'),
      trackProtocolStream: () => calls.push('trackProtocolStream'),
      registerMetric: record('registerMetric'),
      registerMetricGroup: record('registerMetricGroup'),
      registerCounter: record('registerCounter'),
      registerCounterGroup: record('registerCounterGroup'),
      registerHistogram: record('registerHistogram'),
      registerHistogramGroup: record('registerHistogramGroup'),
      registerSummary: record('registerSummary'),
      registerSummaryGroup: record('registerSummaryGroup'),
      stop: () => calls.push('stop'),
    } as unknown as Metrics
    const meter = createBandwidthMeter()
    const metrics = wireMetrics(meter, () => delegate)({ logger: SILENT_LIBP2P_LOGGER })

    expect(metrics.registerCounter('libp2p_a_total')).toBe(handle)
    metrics.registerCounter('libp2p_a_total').increment()
    metrics.registerMetric('libp2p_b')
    metrics.registerMetricGroup('libp2p_c')
    metrics.registerCounterGroup('libp2p_d')
    metrics.registerHistogram('libp2p_e')
    metrics.registerHistogramGroup('libp2p_f')
    metrics.registerSummary('libp2p_g')
    metrics.registerSummaryGroup('libp2p_h')
    const conn = new FakeConnection()
    metrics.trackMultiaddrConnection(conn as unknown as MultiaddrConnection)
    metrics.trackProtocolStream({ protocol: '/x' } as unknown as Stream)
    void (metrics as unknown as { stop(): void }).stop()
    conn.send(new Uint8Array(7))

    expect(calls).toEqual([
      'registerCounter libp2p_a_total',
      'registerCounter libp2p_a_total',
      'increment',
      'registerMetric libp2p_b',
      'registerMetricGroup libp2p_c',
      'registerCounterGroup libp2p_d',
      'registerHistogram libp2p_e',
      'registerHistogramGroup libp2p_f',
      'registerSummary libp2p_g',
      'registerSummaryGroup libp2p_h',
      'trackMultiaddrConnection',
      'trackProtocolStream',
      'stop',
    ])
    expect(meter.totals().outTotalBytes).toBe(7)
  })

  test('hands every negotiated stream to the stream observer, after the delegate', () => {
    const calls: string[] = []
    const delegate = {
      trackProtocolStream: (stream: Stream) => calls.push(`delegate ${stream.protocol}`),
    } as unknown as Metrics
    const metrics = wireMetrics(
      createBandwidthMeter(),
      () => delegate,
      (stream) => calls.push(`observer ${stream.protocol}`),
    )({ logger: SILENT_LIBP2P_LOGGER })
    metrics.trackProtocolStream({ protocol: '/ipfs/ping/1.0.0' } as unknown as Stream)
    expect(calls).toEqual(['delegate /ipfs/ping/1.0.0', 'observer /ipfs/ping/1.0.0'])
  })

  test('with a transfer ledger, counts libp2p transfers itself and hands the delegate no connection or stream', () => {
    const calls: string[] = []
    const delegate = {
      trackMultiaddrConnection: () => calls.push('trackMultiaddrConnection'),
      trackProtocolStream: () => calls.push('trackProtocolStream'),
    } as unknown as Metrics
    const meter = createBandwidthMeter()
    const ledger = new TransferLedger()
    const observed: string[] = []
    const metrics = wireMetrics(
      meter,
      () => delegate,
      (stream) => observed.push(stream.protocol ?? ''),
      undefined,
      ledger,
    )({ logger: SILENT_LIBP2P_LOGGER })

    const direct = new FakeConnection()
    metrics.trackMultiaddrConnection(direct as unknown as MultiaddrConnection)
    direct.send(new Uint8Array(100))
    direct.receive(new Uint8Array(40))
    // a relayed connection: in libp2p's global transfers, not in the wire meter
    const relayed = new FakeConnection(
      multiaddr(
        '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5/p2p-circuit',
      ),
    )
    metrics.trackMultiaddrConnection(relayed as unknown as MultiaddrConnection)
    relayed.send(new Uint8Array(5))
    relayed.receive(new Uint8Array(3))

    const stream = new FakeConnection() as FakeConnection & { protocol: string }
    stream.protocol = '/wes/blob/1.0.0'
    metrics.trackProtocolStream(stream as unknown as Stream)
    stream.send(new Uint8Array(64))
    stream.receive(new Uint8Array(16))
    // what the stream's own send returns still comes back through the tap
    expect(stream.sent).toBe(64)

    expect(calls).toEqual([])
    expect(observed).toEqual(['/wes/blob/1.0.0'])
    expect(meter.totals()).toEqual({ outTotalBytes: 100, inTotalBytes: 40 })
    expect(ledger.totals()).toEqual({
      'global sent': 105,
      'global received': 43,
      '/wes/blob/1.0.0 sent': 64,
      '/wes/blob/1.0.0 received': 16,
    })
  })
})
