/**
 * `wes_node_build_info{version,libp2p,node} 1`: what a node runs, as one constant series, so a
 * dashboard can show it and a query can join it (`* on (instance) group_left (version)`).
 */

import { Gauge } from 'prom-client'
import type { Registry } from 'prom-client'

/** The versions `wes_node_build_info` reports, each a label value. */
export interface BuildInfo {
  /** The version of the program (wes-node's package.json). */
  version: string
  /** The version of the libp2p package the node runs. */
  libp2p: string
  /** The Node.js version (`process.version`). */
  node: string
}

/**
 * Registers `wes_node_build_info` on `registry`: a gauge of value 1 whose labels are the
 * versions in `info`. The name is fixed; a program other than wes-node passes its own versions.
 *
 * @example
 * ```ts
 * createBuildInfoMetric(registry, { version: '0.1.0', libp2p: '3.3.11', node: process.version })
 * // wes_node_build_info{version="0.1.0",libp2p="3.3.11",node="v24.1.0"} 1
 * ```
 */
export function createBuildInfoMetric(registry: Registry, info: BuildInfo): Gauge<keyof BuildInfo> {
  const gauge = new Gauge<keyof BuildInfo>({
    name: 'wes_node_build_info',
    help: 'The versions this node runs, as labels (version: wes-node, libp2p, node: Node.js); always 1.',
    labelNames: ['version', 'libp2p', 'node'],
    registers: [registry],
  })
  gauge.set({ version: info.version, libp2p: info.libp2p, node: info.node }, 1)
  return gauge
}
