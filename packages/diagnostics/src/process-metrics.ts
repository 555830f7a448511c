/**
 * The runtime metrics every Prometheus-scraped Node.js service is expected to have: a curated
 * set of prom-client's standard `process_*` and `nodejs_*` metrics (CPU, resident memory, file
 * descriptors, start time, heap, event-loop lag, GC time), with their standard names, so the
 * usual dashboards and alerts work unchanged.
 *
 * prom-client registers its defaults all at once; they are registered on a private registry here
 * and only the curated ones are added to the node's. The private registry is never scraped, so
 * the others never collect (the event-loop monitor and the GC observer of the curated ones run
 * from the start, as they must to see anything).
 */

import { readdirSync, statSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Metric } from 'prom-client'
import { PROCESS_METRICS } from './metric-table.js'

const FD_DIR = '/proc/self/fd'

/**
 * The open file descriptors of the process. prom-client's own `process_open_fds` lists
 * `/proc/self/fd` with `readdirSync` on every scrape: one entry per socket, so a node with 1,000
 * connections spent about a fifth of its `/metrics` render there. Since Linux 6.2 the size of that
 * directory is the number of open descriptors: one `stat` of procfs, answered from memory in
 * microseconds, so it is made synchronously and the render stays one piece (an awaited `stat`
 * let every other task of a busy node run inside the scrape: B8 measured a render p99 of 45 ms
 * at 1,000 peers for 3 ms of work). An older kernel reports 0 there, and the list is read as
 * prom-client reads it (the descriptor the listing opens is not counted, as prom-client does).
 */
export function openFileDescriptors(): number {
  const { size } = statSync(FD_DIR)
  if (size > 0) return size
  return readdirSync(FD_DIR).length - 1
}

/**
 * The event-loop lag metrics of the curated set, as prom-client names and explains them:
 * `nodejs_eventloop_lag_seconds` (the delay of a `setImmediate` at the scrape) and
 * `nodejs_eventloop_lag_p99_seconds` (the p99 of a `monitorEventLoopDelay` histogram since the
 * last scrape, which is then reset). prom-client's collect also computes the min, max, mean,
 * standard deviation, p50 and p90 of the histogram for metrics the node does not serve: about
 * 0.3 ms of each scrape, as much as all the other runtime metrics together.
 */
function eventLoopLagGauges(precisionMs: number): Gauge[] {
  const histogram = monitorEventLoopDelay({ resolution: precisionMs })
  histogram.enable()
  const lag = new Gauge({
    name: 'nodejs_eventloop_lag_seconds',
    help: 'Lag of event loop in seconds.',
    registers: [],
    aggregator: 'average',
    collect() {
      const start = process.hrtime.bigint()
      setImmediate(() => lag.set(Number(process.hrtime.bigint() - start) / 1e9))
    },
  })
  const p99 = new Gauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: 'The 99th percentile of the recorded event loop delays.',
    registers: [],
    aggregator: 'average',
    collect() {
      this.set(histogram.percentile(99) / 1e9)
      histogram.reset()
    },
  })
  return [lag, p99]
}

/** `process_open_fds` as prom-client registers it (name, help, type), read by {@link openFileDescriptors}. */
function openFdsGauge(): Gauge {
  return new Gauge({
    name: 'process_open_fds',
    help: 'Number of open file descriptors.',
    registers: [],
    collect() {
      try {
        this.set(openFileDescriptors())
      } catch {
        // like prom-client's: a process that cannot read its fd directory reports no change
      }
    },
  })
}

/**
 * Adds the curated runtime metrics to `registry`.
 *
 * @returns the names added (a platform without one, such as `process_open_fds` off Linux, adds
 *   fewer)
 *
 * @example
 * createProcessMetrics(registry)
 * // rate(process_cpu_seconds_total[5m]), process_resident_memory_bytes, nodejs_eventloop_lag_p99_seconds
 */
export function createProcessMetrics(registry: Registry): string[] {
  const defaults = new Registry()
  // prom-client's event-loop histogram is never read (ours replaces its metrics): a coarse one
  collectDefaultMetrics({ register: defaults, eventLoopMonitoringPrecision: 1_000 })
  // 10 ms: fine enough for a lag p99 that matters (prom-client's default is the same)
  const own = new Map<string, Metric>(
    eventLoopLagGauges(10).map((gauge) => [(gauge as unknown as { name: string }).name, gauge]),
  )
  const added: string[] = []
  for (const name of Object.keys(PROCESS_METRICS)) {
    const metric = defaults.getSingleMetric(name)
    if (metric === undefined) continue
    // prom-client registers it on Linux only, and so does this
    registry.registerMetric(
      name === 'process_open_fds' ? openFdsGauge() : (own.get(name) ?? metric),
    )
    added.push(name)
  }
  return added
}
