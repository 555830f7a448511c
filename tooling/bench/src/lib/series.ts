/**
 * Reading what a `/metrics` body holds: its series (sample lines) by metric family, and their
 * labels. Reads the Prometheus text format and OpenMetrics alike; a histogram's `_bucket`, `_sum`
 * and `_count` lines count under the family its `# TYPE` line names.
 */

/** One sample line. */
export interface Sample {
  /** The family its `# TYPE` line names (the sample's own name without one). */
  family: string
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * Families whose series appear with what the node does rather than with how many peers it has,
 * each from a set fixed by the node: a label set per GC kind (`nodejs_gc_duration_seconds`),
 * per protocol of the node's own that carried a stream, per error class, per listen address and
 * listener event (libp2p's tcp listener: a refused or failed inbound connection), and a
 * histogram that appears at the first ping. A node with 10 peers may not have done all of it
 * yet; no peer can add a label value to them.
 */
export const ACTIVITY_FAMILIES: readonly string[] = [
  'nodejs_gc_duration_seconds',
  'libp2p_data_transfer_bytes_total',
  'libp2p_protocol_streams_total',
  'libp2p_connection_manager_protocol_streams_per_connection_90th_percentile',
  'libp2p_connection_monitor_ping_time_milliseconds',
  'libp2p_connection_manager_dial_errors_total',
  'libp2p_connection_manager_dials_inbound_errors_total',
  'libp2p_connection_manager_dials_outbound_errors_total',
  'libp2p_tcp_listener_events_total',
  'libp2p_tcp_listener_errors_total',
  // one series per kind of DHT operation, from the first of that kind (a refresh may come late)
  'libp2p_kad_dht_operations_total',
]

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** Every sample line of a `/metrics` body, in order. */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = []
  let family: string | undefined
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      const type = /^# TYPE (\S+) /.exec(line)
      if (type !== null) family = type[1]
      continue
    }
    const name = /^[^{\s]+/.exec(line)?.[0] ?? line
    const close = line.startsWith(`${name}{`) ? line.lastIndexOf('}') : -1
    const labels: Record<string, string> = {}
    if (close > 0) {
      for (const [, key, value] of line.slice(name.length + 1, close).matchAll(LABEL)) {
        labels[key as string] = (value as string).replace(/\\(.)/g, (_, c: string) =>
          c === 'n' ? '\n' : c,
        )
      }
    }
    const rest = line.slice(close > 0 ? close + 1 : name.length).trim()
    out.push({ family: family ?? name, name, labels, value: Number(rest.split(' ')[0]) })
  }
  return out
}

/** Sample lines per family, in the order the families appear. */
export function seriesByFamily(text: string): Map<string, number> {
  const counts = new Map<string, number>()
  for (const { family } of parseSamples(text)) counts.set(family, (counts.get(family) ?? 0) + 1)
  return counts
}

/** All sample lines of a `/metrics` body, or those of the families `keep` accepts. */
export function seriesCount(text: string, keep: (family: string) => boolean = () => true): number {
  let total = 0
  for (const [family, count] of seriesByFamily(text)) if (keep(family)) total += count
  return total
}

/** Families whose series count differs between two bodies: `{family: [before, after]}`. */
export function seriesChanges(
  before: Map<string, number>,
  after: Map<string, number>,
): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {}
  for (const family of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(family) ?? 0
    const b = after.get(family) ?? 0
    if (a !== b) out[family] = [a, b]
  }
  return out
}

/**
 * The value of the sample `name` whose labels include every pair of `labels` (the first such
 * line), or undefined when there is none.
 */
export function sampleValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return parseSamples(text).find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value
}
