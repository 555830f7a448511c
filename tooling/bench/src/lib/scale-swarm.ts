/**
 * A thousand peers, spread over worker processes (`workers/peers.js --distinct`): each peer is a
 * bare libp2p node (tcp, noise, yamux, identify, ping) that dials every target from its own
 * 127.0.x.y address and announces an agent and a protocol of its own, so a target sees as many
 * implementations as peers. Several processes keep the handshakes on both cores; each start is
 * bounded in time, and `stop()` ends every worker.
 */

import { spawnNode, worker } from './child.js'
import type { Child } from './child.js'

export interface ScaleSwarmInit {
  /** Multiaddrs every peer dials. */
  targets: string[]
  count: number
  /** Index of the first peer (its address, agent and protocol). @default 0 */
  firstIndex?: number
  /** Worker processes. @default 4 */
  workers?: number
  /** Bound on connecting them all. @default 180_000 */
  timeoutMs?: number
  /** Progress lines of the workers (`dialled 50 of 250`). */
  log?: (message: string) => void
}

/**
 * Dials in flight at once per target, across the workers: libp2p refuses inbound connections
 * beyond 10 pending upgrades, and a refused dial waits before its retry.
 */
const DIALS_IN_FLIGHT_PER_TARGET = 8

export interface ScaleSwarm {
  /** Peers connected to every target. */
  readonly connected: number
  stop(): Promise<void>
}

/** Starts the peers and waits until each is connected to every target. */
export async function startScaleSwarm(init: ScaleSwarmInit): Promise<ScaleSwarm> {
  const workers = Math.max(1, Math.min(init.workers ?? 4, init.count))
  const first = init.firstIndex ?? 0
  const concurrency = Math.max(
    1,
    Math.floor((DIALS_IN_FLIGHT_PER_TARGET * init.targets.length) / workers),
  )
  const children: Child[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(children.splice(0).map(async (child) => child.stop(5_000)))
  }
  try {
    for (let w = 0; w < workers; w++) {
      const from = first + Math.floor((init.count * w) / workers)
      const to = first + Math.floor((init.count * (w + 1)) / workers)
      const child = spawnNode([
        worker('peers'),
        init.targets.join(','),
        String(to - from),
        '--first',
        String(from),
        '--distinct',
        '--concurrency',
        String(concurrency),
      ])
      children.push(child)
    }
    const progress =
      init.log !== undefined
        ? setInterval(() => {
            const dialled = children.map((c) => /^dialled (\d+)/.exec(c.lines.at(-1) ?? '')?.[1])
            init.log?.(`peers: dialled ${dialled.map((d) => d ?? '-').join(', ')}`)
          }, 10_000)
        : undefined
    let lines: string[]
    try {
      lines = await Promise.all(
        children.map(async (child) =>
          child.line(
            (l) => l.startsWith('connected') || l.startsWith('error'),
            init.timeoutMs ?? 180_000,
            'peers',
          ),
        ),
      )
    } finally {
      clearInterval(progress)
    }
    const failed = lines.find((l) => l.startsWith('error'))
    if (failed !== undefined) throw new Error(`peers: ${failed}`)
    const connected = lines.reduce((sum, l) => sum + Number(l.split(' ')[1]), 0)
    if (connected < init.count)
      throw new Error(
        `peers: ${connected} of ${init.count} connected to every target (${lines.join('; ')})`,
      )
    return { connected, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
