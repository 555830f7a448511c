/**
 * The network lab (@wes/netlab) for cases that need a network loopback cannot give: a LAN
 * without multicast, a firewalled peer, an address beyond loopback. A case's lab is stopped when
 * the case ends; the lab itself removes its namespaces on exit, and a dead run's at the next start.
 */

import { labUnavailableReason, startLab } from '@wes/netlab'
import type { Lab, Topology } from '@wes/netlab'
import type { CaseContext } from './runner.js'

/**
 * Starts `topology` for the case, stopped when the case ends. Skips the case, with the lab's
 * one-line reason, where the lab cannot run (no root, no `ip` or `nft`).
 */
export async function startCaseLab(ctx: CaseContext, topology: Topology): Promise<Lab> {
  const reason = labUnavailableReason()
  if (reason !== undefined) ctx.skip(reason)
  // the runner handles SIGINT/SIGTERM itself: its cleanups stop the lab
  const lab = await startLab(topology, { handleSignals: false })
  ctx.defer(() => lab.stop())
  return lab
}

/**
 * Runs `command args` on `host` to its end (`ip` for a change the topology cannot describe,
 * `nft flush ruleset` to lift a firewall); throws unless it exits 0.
 */
export async function runOnHost(
  lab: Lab,
  host: string,
  command: string,
  args: readonly string[],
): Promise<void> {
  const run = lab.spawn(host, command, args)
  const code = await run.exited(10_000)
  if (code !== 0)
    throw new Error(`${command} ${args.join(' ')} on ${host}: exit ${code} ${run.stderr().trim()}`)
}
