/**
 * The metrics that explain a node's network beyond the spec's totals: what each protocol moves.
 * Every label takes its values from a fixed set, and every series exists from the start at 0;
 * a peer ID or an address is never a label value. Names and types are in metric-table.ts.
 */

import { Counter } from 'prom-client'
import type { Registry } from 'prom-client'
import { createScrapeSnapshotReader } from './metrics.js'
import type { P2PMetricsComponents } from './metrics.js'
import type { DiagnosticsSnapshot } from './source.js'

/** The `direction` label values of the byte counters. */
export const BYTE_DIRECTIONS = ['in', 'out'] as const

/** The `protocol` label value of streams of every protocol the node does not serve. */
export const OTHER_PROTOCOL = 'other'

/**
 * Protocol label values at most (a node serves about a dozen). The node names only protocols it
 * registers itself, so a peer cannot add one; this bound holds even against a faulty source:
 * protocols beyond it count as `other`.
 */
export const MAX_PROTOCOL_LABELS = 64

type Labels<Label extends string> = Partial<Record<Label, string>>

/**
 * Moves a counter along running totals that a snapshot reports. Each read adds what a total grew
 * since the last one; after the node restarted (its `facts.startedAt` changed, or a total went
 * down) it adds the whole new total, so the counter never goes down and loses nothing it saw.
 */
function totalsFollower<Label extends string>(
  counter: Counter<Label>,
): (snapshot: DiagnosticsSnapshot, totals: ReadonlyArray<[Labels<Label>, number]>) => void {
  let run: number | undefined
  const last = new Map<string, number>()
  return (snapshot, totals) => {
    const startedAt = snapshot.facts?.startedAt
    if (startedAt !== run) {
      run = startedAt
      last.clear()
    }
    for (const [labels, raw] of totals) {
      const total = Number.isFinite(raw) && raw > 0 ? raw : 0
      const key = JSON.stringify(labels)
      const previous = last.get(key) ?? 0
      counter.inc(labels, total >= previous ? total - previous : total)
      last.set(key, total)
    }
  }
}

/**
 * Registers the network metrics on `registry`:
 *
 * - `p2p_protocol_bytes_total{direction,protocol}`: stream bytes of each protocol the node
 *   serves, and `other`, read from the source's `protocols` at scrape time.
 *
 * @example
 * ```ts
 * createNetworkMetrics(registry, { source })
 * // rate(p2p_protocol_bytes_total{protocol="/wes/kad/1.0.0"}[5m])
 * ```
 */
export function createNetworkMetrics(registry: Registry, components: P2PMetricsComponents) {
  const readSnapshot = createScrapeSnapshotReader(components.source)
  const protocols = new Set<string>([OTHER_PROTOCOL])

  const protocolBytes: Counter<'direction' | 'protocol'> = new Counter({
    name: 'p2p_protocol_bytes_total',
    help: 'Stream bytes by protocol (payload after protocol negotiation, without framing) of every protocol the node serves; other for the rest.',
    labelNames: ['direction', 'protocol'] as const,
    registers: [registry],
    collect() {
      const snapshot = readSnapshot()
      if (snapshot?.protocols === undefined) return
      // one total per label set: protocols beyond the bound add up under `other`
      const sums = new Map<string, { in: number; out: number }>()
      for (const [name, bytes] of Object.entries(snapshot.protocols)) {
        if (!protocols.has(name) && protocols.size < MAX_PROTOCOL_LABELS) protocols.add(name)
        const protocol = protocols.has(name) ? name : OTHER_PROTOCOL
        const sum = sums.get(protocol) ?? { in: 0, out: 0 }
        sum.in += finiteOrZero(bytes.inTotalBytes)
        sum.out += finiteOrZero(bytes.outTotalBytes)
        sums.set(protocol, sum)
      }
      followProtocolBytes(
        snapshot,
        [...sums].flatMap(([protocol, sum]) =>
          BYTE_DIRECTIONS.map((direction): [Labels<'direction' | 'protocol'>, number] => [
            { direction, protocol },
            sum[direction],
          ]),
        ),
      )
    },
  })
  const followProtocolBytes = totalsFollower(protocolBytes)
  for (const direction of BYTE_DIRECTIONS) {
    protocolBytes.inc({ direction, protocol: OTHER_PROTOCOL }, 0)
  }

  return { protocolBytes }
}

/** The metric handles returned by {@link createNetworkMetrics}. */
export type NetworkMetrics = ReturnType<typeof createNetworkMetrics>

function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0
}
