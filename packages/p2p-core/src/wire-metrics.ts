/**
 * The libp2p `Metrics` component of a node: it feeds a {@link BandwidthMeter} with the bytes of
 * every connection, after encryption and muxing (libp2p hands each raw multiaddr connection to
 * `trackMultiaddrConnection` before upgrading it), hands every negotiated stream to a stream
 * observer (the node's per-protocol accounting), and forwards everything else libp2p registers
 * (its own counters, gauges and histograms) to a delegate `Metrics`, such as
 * `@libp2p/prometheus-metrics` on the application's registry. Without a delegate those
 * registrations are accepted and discarded, so the metric plumbing costs nothing.
 *
 * With a {@link TransferLedger}, the bytes behind libp2p's `libp2p_data_transfer_bytes_total`
 * are counted here and connections and streams are not handed to the delegate's
 * `trackMultiaddrConnection` and `trackProtocolStream` (transfer-ledger.ts says why).
 *
 * Two of libp2p's calculated metrics, the per-protocol stream gauges, are forwarded with a
 * calculation of our own that reads the same connections in one walk
 * ({@link createProtocolStreamGauges}).
 */

import {
  createProtocolStreamGauges,
  PROTOCOL_STREAMS_P90,
  PROTOCOL_STREAMS_TOTAL,
} from './protocol-stream-gauges.js'
import { isRelayed } from './reachability.js'
import { tapStream } from './network/stream-tap.js'
import type { BandwidthMeter } from './bandwidth-meter.js'
import type { TransferLedger } from './transfer-ledger.js'
import type { ConnectionsEachPeer, ProtocolStreamGauges } from './protocol-stream-gauges.js'
import type {
  CalculatedMetricOptions,
  ComponentLogger,
  Counter,
  CounterGroup,
  Histogram,
  HistogramGroup,
  HistogramOptions,
  Metric,
  MetricGroup,
  MetricOptions,
  Metrics,
  MultiaddrConnection,
  Startable,
  Stream,
  Summary,
  SummaryGroup,
  SummaryOptions,
} from '@libp2p/interface'

const noop = (): void => {}
const noopTimer = (): (() => void) => noop

const NOOP_METRIC: Metric = {
  update: noop,
  increment: noop,
  decrement: noop,
  reset: noop,
  timer: noopTimer,
}
const NOOP_METRIC_GROUP: MetricGroup = {
  update: noop,
  increment: noop,
  decrement: noop,
  reset: noop,
  timer: noopTimer,
}
const NOOP_COUNTER: Counter = { increment: noop, reset: noop }
const NOOP_COUNTER_GROUP: CounterGroup = { increment: noop, reset: noop }
const NOOP_HISTOGRAM: Histogram = { observe: noop, reset: noop, timer: noopTimer }
const NOOP_HISTOGRAM_GROUP: HistogramGroup = { observe: noop, reset: noop, timer: noopTimer }
const NOOP_SUMMARY: Summary = { observe: noop, reset: noop, timer: noopTimer }
const NOOP_SUMMARY_GROUP: SummaryGroup = { observe: noop, reset: noop, timer: noopTimer }

function isCalculated(options: object | undefined): boolean {
  return options != null && 'calculate' in options
}

/**
 * What libp2p gives a metrics factory; `@libp2p/prometheus-metrics` needs only the logger. The
 * connection manager is read at scrape time (libp2p sets it after making the metrics).
 */
export interface MetricsComponents {
  logger: ComponentLogger
  connectionManager?: { getConnectionsMap(): ConnectionsEachPeer }
}

/**
 * Builds the `Metrics` that libp2p's own metrics are forwarded to, e.g.
 * `prometheusMetrics({ registry, collectDefaultMetrics: false, preserveExistingMetrics: true })`.
 */
export type MetricsFactory = (components: MetricsComponents) => Metrics

/** Sees each stream once its protocol is negotiated (libp2p's `trackProtocolStream`). */
export type StreamObserver = (stream: Stream) => void

/** Sees each raw connection before its upgrade, relayed ones too (`trackMultiaddrConnection`). */
export type ConnectionObserver = (maConn: MultiaddrConnection) => void

type RegisterMethod = {
  [K in keyof Metrics]: K extends `register${string}` ? K : never
}[keyof Metrics]

/**
 * The `Metrics` component: counts wire bytes into `meter`, forwards the rest to `delegate`.
 *
 * Relayed (`/p2p-circuit`) connections are not counted by the meter: their bytes already travel,
 * and are counted, on the connection to the relay.
 */
export class WireMetrics implements Metrics, Startable {
  private readonly meter: BandwidthMeter
  private readonly delegate?: Metrics
  private readonly onStream?: StreamObserver
  private readonly onConnection?: ConnectionObserver
  private readonly streamGauges?: ProtocolStreamGauges
  private readonly transfers?: TransferLedger

  /**
   * @param connections - the node's connections at scrape time, for the stream gauges; without
   *   it libp2p's own calculations are forwarded
   * @param transfers - where the bytes of libp2p's `libp2p_data_transfer_bytes_total` are
   *   counted instead of in `delegate`: with it, connections and streams are not handed to the
   *   delegate's `trackMultiaddrConnection` and `trackProtocolStream`
   */
  constructor(
    meter: BandwidthMeter,
    delegate?: Metrics,
    onStream?: StreamObserver,
    onConnection?: ConnectionObserver,
    connections?: () => ConnectionsEachPeer,
    transfers?: TransferLedger,
  ) {
    this.meter = meter
    this.delegate = delegate
    this.onStream = onStream
    this.onConnection = onConnection
    this.transfers = transfers
    if (delegate != null && connections != null) {
      this.streamGauges = createProtocolStreamGauges(connections)
    }
  }

  start(): void | Promise<void> {
    return (this.delegate as Partial<Startable> | undefined)?.start?.()
  }

  stop(): void | Promise<void> {
    return (this.delegate as Partial<Startable> | undefined)?.stop?.()
  }

  trackMultiaddrConnection(maConn: MultiaddrConnection): void {
    const global = this.transfers?.global
    if (global === undefined) this.delegate?.trackMultiaddrConnection(maConn)
    this.onConnection?.(maConn)
    if (isRelayed(maConn.remoteAddr)) {
      // libp2p's global transfers count relayed connections too
      if (global === undefined) return
      maConn.addEventListener('message', (evt) => {
        global.received += evt.data.byteLength
      })
      const send = maConn.send.bind(maConn)
      maConn.send = (data) => {
        global.sent += data.byteLength
        return send(data)
      }
      return
    }
    const meter = this.meter
    const counts = global ?? { sent: 0, received: 0 }
    maConn.addEventListener('message', (evt) => {
      const bytes = evt.data.byteLength
      meter.record('in', bytes)
      counts.received += bytes
    })
    const send = maConn.send.bind(maConn)
    maConn.send = (data) => {
      const bytes = data.byteLength
      meter.record('out', bytes)
      counts.sent += bytes
      return send(data)
    }
  }

  trackProtocolStream(stream: Stream): void {
    // the meter needs no per-protocol accounting: the connection totals already include streams
    const transfers = this.transfers
    if (transfers === undefined) {
      this.delegate?.trackProtocolStream(stream)
    } else if (stream.protocol != null) {
      const count = transfers.of(stream.protocol)
      tapStream(stream, {
        sent: (bytes) => {
          count.sent += bytes
        },
        received: (bytes) => {
          count.received += bytes
        },
      })
    }
    this.onStream?.(stream)
  }

  registerMetric(name: string, options?: MetricOptions): Metric
  registerMetric(name: string, options: CalculatedMetricOptions): void
  registerMetric(name: string, options?: MetricOptions): Metric | undefined {
    return this.register('registerMetric', name, options, NOOP_METRIC)
  }

  registerMetricGroup(name: string, options?: MetricOptions): MetricGroup
  registerMetricGroup(name: string, options: CalculatedMetricOptions<Record<string, number>>): void
  registerMetricGroup(name: string, options?: MetricOptions): MetricGroup | undefined {
    return this.register(
      'registerMetricGroup',
      name,
      this.ownCalculation(name, options),
      NOOP_METRIC_GROUP,
    )
  }

  registerCounter(name: string, options?: MetricOptions): Counter
  registerCounter(name: string, options: CalculatedMetricOptions): void
  registerCounter(name: string, options?: MetricOptions): Counter | undefined {
    return this.register('registerCounter', name, options, NOOP_COUNTER)
  }

  registerCounterGroup(name: string, options?: MetricOptions): CounterGroup
  registerCounterGroup(name: string, options: CalculatedMetricOptions<Record<string, number>>): void
  registerCounterGroup(name: string, options?: MetricOptions): CounterGroup | undefined {
    return this.register('registerCounterGroup', name, options, NOOP_COUNTER_GROUP)
  }

  registerHistogram(name: string, options?: HistogramOptions): Histogram
  registerHistogram(name: string, options: CalculatedMetricOptions & HistogramOptions): void
  registerHistogram(name: string, options?: HistogramOptions): Histogram | undefined {
    return this.register('registerHistogram', name, options, NOOP_HISTOGRAM)
  }

  registerHistogramGroup(name: string, options?: HistogramOptions): HistogramGroup
  registerHistogramGroup(
    name: string,
    options: CalculatedMetricOptions<Record<string, number>> & HistogramOptions,
  ): void
  registerHistogramGroup(name: string, options?: HistogramOptions): HistogramGroup | undefined {
    return this.register('registerHistogramGroup', name, options, NOOP_HISTOGRAM_GROUP)
  }

  registerSummary(name: string, options?: SummaryOptions): Summary
  registerSummary(name: string, options: CalculatedMetricOptions & SummaryOptions): void
  registerSummary(name: string, options?: SummaryOptions): Summary | undefined {
    return this.register('registerSummary', name, options, NOOP_SUMMARY)
  }

  registerSummaryGroup(name: string, options?: SummaryOptions): SummaryGroup
  registerSummaryGroup(
    name: string,
    options: CalculatedMetricOptions<Record<string, number>> & SummaryOptions,
  ): void
  registerSummaryGroup(name: string, options?: SummaryOptions): SummaryGroup | undefined {
    return this.register('registerSummaryGroup', name, options, NOOP_SUMMARY_GROUP)
  }

  traceFunction<F>(name: string, fn: F): F {
    return fn
  }

  createTrace(): undefined {
    return undefined
  }

  /** libp2p's options for a metric group, with our calculation where we have one. */
  private ownCalculation(name: string, options: object | undefined): object | undefined {
    const gauges = this.streamGauges
    if (gauges === undefined || !isCalculated(options)) return options
    if (name === PROTOCOL_STREAMS_TOTAL) return { ...options, calculate: gauges.streamsTotal }
    if (name === PROTOCOL_STREAMS_P90) {
      return { ...options, calculate: gauges.streamsPerConnectionP90 }
    }
    return options
  }

  /**
   * One registration, forwarded to the delegate when there is one. A calculated metric (one with
   * `calculate`) is read by the delegate at scrape time and has no handle.
   */
  private register<Handle>(
    method: RegisterMethod,
    name: string,
    options: object | undefined,
    noop: Handle,
  ): Handle | undefined {
    if (this.delegate != null) {
      const register = this.delegate[method] as (
        name: string,
        options?: object,
      ) => Handle | undefined
      return register.call(this.delegate, name, options)
    }
    return isCalculated(options) ? undefined : noop
  }
}

/** The factory libp2p's `metrics` option takes. */
export function wireMetrics(
  meter: BandwidthMeter,
  delegate?: MetricsFactory,
  onStream?: StreamObserver,
  onConnection?: ConnectionObserver,
  transfers?: TransferLedger,
): (components: MetricsComponents) => Metrics {
  return (components) =>
    new WireMetrics(
      meter,
      delegate?.(components),
      onStream,
      onConnection,
      () => {
        const connectionManager = components.connectionManager
        if (connectionManager === undefined) {
          throw new Error('libp2p gave the metrics no connection manager to read streams from')
        }
        return connectionManager.getConnectionsMap()
      },
      transfers,
    )
}
