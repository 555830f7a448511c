/**
 * A minimal libp2p `Metrics` component that feeds a {@link BandwidthMeter} with the bytes of
 * every connection, after encryption and muxing: libp2p hands each raw multiaddr connection to
 * `trackMultiaddrConnection` before upgrading it. Everything else libp2p registers through this
 * component (its own counters and gauges) is accepted and discarded, so the metric plumbing
 * costs nothing.
 */

import type { BandwidthMeter } from './bandwidth-meter.js'
import type {
  CalculatedMetricOptions,
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
 * The `Metrics` component: counts wire bytes into `meter`.
 *
 * Relayed (`/p2p-circuit`) connections are not counted: their bytes already travel, and are
 * counted, on the connection to the relay.
 */
export class WireMetrics implements Metrics {
  private readonly meter: BandwidthMeter

  constructor(meter: BandwidthMeter) {
    this.meter = meter
  }

  trackMultiaddrConnection(maConn: MultiaddrConnection): void {
    if (maConn.remoteAddr.getComponents().some((c) => c.name === 'p2p-circuit')) {
      return
    }
    const meter = this.meter
    maConn.addEventListener('message', (evt) => {
      meter.record('in', evt.data.byteLength)
    })
    const send = maConn.send.bind(maConn)
    maConn.send = (data) => {
      meter.record('out', data.byteLength)
      return send(data)
    }
  }

  trackProtocolStream(stream: Stream): void {
    // per-protocol accounting is not needed: the connection totals already include streams
    void stream
  }

  registerMetric(name: string, options?: MetricOptions): Metric
  registerMetric(name: string, options: CalculatedMetricOptions): void
  registerMetric(
    name: string,
    options?: MetricOptions | CalculatedMetricOptions,
  ): Metric | undefined {
    return isCalculated(options) ? undefined : NOOP_METRIC
  }

  registerMetricGroup(name: string, options?: MetricOptions): MetricGroup
  registerMetricGroup(name: string, options: CalculatedMetricOptions<Record<string, number>>): void
  registerMetricGroup(name: string, options?: MetricOptions): MetricGroup | undefined {
    return isCalculated(options) ? undefined : NOOP_METRIC_GROUP
  }

  registerCounter(name: string, options?: MetricOptions): Counter
  registerCounter(name: string, options: CalculatedMetricOptions): void
  registerCounter(name: string, options?: MetricOptions): Counter | undefined {
    return isCalculated(options) ? undefined : NOOP_COUNTER
  }

  registerCounterGroup(name: string, options?: MetricOptions): CounterGroup
  registerCounterGroup(name: string, options: CalculatedMetricOptions<Record<string, number>>): void
  registerCounterGroup(name: string, options?: MetricOptions): CounterGroup | undefined {
    return isCalculated(options) ? undefined : NOOP_COUNTER_GROUP
  }

  registerHistogram(name: string, options?: HistogramOptions): Histogram
  registerHistogram(name: string, options: CalculatedMetricOptions & HistogramOptions): void
  registerHistogram(name: string, options?: HistogramOptions): Histogram | undefined {
    return isCalculated(options) ? undefined : NOOP_HISTOGRAM
  }

  registerHistogramGroup(name: string, options?: HistogramOptions): HistogramGroup
  registerHistogramGroup(
    name: string,
    options: CalculatedMetricOptions<Record<string, number>> & HistogramOptions,
  ): void
  registerHistogramGroup(name: string, options?: HistogramOptions): HistogramGroup | undefined {
    return isCalculated(options) ? undefined : NOOP_HISTOGRAM_GROUP
  }

  registerSummary(name: string, options?: SummaryOptions): Summary
  registerSummary(name: string, options: CalculatedMetricOptions & SummaryOptions): void
  registerSummary(name: string, options?: SummaryOptions): Summary | undefined {
    return isCalculated(options) ? undefined : NOOP_SUMMARY
  }

  registerSummaryGroup(name: string, options?: SummaryOptions): SummaryGroup
  registerSummaryGroup(
    name: string,
    options: CalculatedMetricOptions<Record<string, number>> & SummaryOptions,
  ): void
  registerSummaryGroup(name: string, options?: SummaryOptions): SummaryGroup | undefined {
    return isCalculated(options) ? undefined : NOOP_SUMMARY_GROUP
  }

  traceFunction<F>(name: string, fn: F): F {
    return fn
  }

  createTrace(): undefined {
    return undefined
  }
}

/** The factory libp2p's `metrics` option takes. */
export function wireMetrics(meter: BandwidthMeter): () => Metrics {
  return () => new WireMetrics(meter)
}
