import { devnetPath, writeFileAtomic } from './files.js'
import type { DevnetNode } from './state.js'

/** One Prometheus `file_sd` target group. */
export interface TargetGroup {
  targets: string[]
  labels: Record<string, string>
}

/**
 * The `file_sd` groups of a devnet: one per node, its diagnostics `host:port` (Prometheus makes it
 * the series' `instance`, stable while the node keeps its port) and the target label `node_name`.
 * The peer ID is not a label: it would mint new series whenever a data directory is recreated.
 */
export function targetGroups(nodes: readonly DevnetNode[]): TargetGroup[] {
  return [...nodes]
    .sort((a, b) => a.index - b.index)
    .map((node) => ({
      targets: [`127.0.0.1:${node.diagnostics_port}`],
      labels: { node_name: node.name },
    }))
}

/** The text of `targets.json`. */
export function renderTargets(nodes: readonly DevnetNode[]): string {
  return `${JSON.stringify(targetGroups(nodes), null, 2)}\n`
}

/** Rewrites `targets.json` of `dir` atomically: Prometheus follows it without a restart. */
export async function writeTargets(dir: string, nodes: readonly DevnetNode[]): Promise<void> {
  await writeFileAtomic(devnetPath(dir, 'targets'), renderTargets(nodes))
}
