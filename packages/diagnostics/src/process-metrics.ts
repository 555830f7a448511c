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

import { Registry, collectDefaultMetrics } from 'prom-client'
import { PROCESS_METRICS } from './metric-table.js'

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
  // 10 ms: fine enough for a lag p99 that matters (the default is the same), cheap to sample
  collectDefaultMetrics({ register: defaults, eventLoopMonitoringPrecision: 10 })
  const added: string[] = []
  for (const name of Object.keys(PROCESS_METRICS)) {
    const metric = defaults.getSingleMetric(name)
    if (metric === undefined) continue
    registry.registerMetric(metric)
    added.push(name)
  }
  return added
}
