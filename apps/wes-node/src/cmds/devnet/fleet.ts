import { UsageError } from '../../errors.js'
import { nodeName } from './files.js'
import { startNodeProcess } from './node-process.js'
import type { NodeProcess } from './node-process.js'
import { requireFreePorts } from './ports.js'
import type { WantedPort } from './ports.js'
import { DEVNET_LIMITS } from './options.js'
import type { DevnetNode } from './state.js'

export interface FleetInit {
  dir: string
  /** p2p port of node 1 (node i: `basePort + i - 1`); 0: any free port. */
  basePort: number
  /** Diagnostics port of node 1, likewise. */
  diagBasePort: number
}

export interface FleetComponents {
  /** Called after every change of the node list (to rewrite the state and targets files). */
  onChange(nodes: DevnetNode[]): Promise<void>
  /** A node that exited while it should run (it stays listed, with pid null, until removed). */
  onExit(node: DevnetNode, code: number | string): void
}

/** The devnet's node processes: started, added, removed and stopped together. */
export interface Fleet {
  nodes(): DevnetNode[]
  /** Starts `count` nodes (the lowest free indexes) and returns them; all or none. */
  add(count: number): Promise<DevnetNode[]>
  /** Stops the node with index or peer ID `ref` (or forgets one that exited) and returns it. */
  remove(ref: string): Promise<DevnetNode>
  /** Stops every node (all at once, each bounded); resolves once all have exited. */
  stop(): Promise<void>
}

/** The ports node `index` wants, as `requireFreePorts` names them. */
function wantedPorts(init: FleetInit, index: number): WantedPort[] {
  const name = nodeName(index)
  return [
    { port: init.basePort === 0 ? 0 : init.basePort + index - 1, use: `p2p of ${name}` },
    {
      port: init.diagBasePort === 0 ? 0 : init.diagBasePort + index - 1,
      use: `diagnostics of ${name}`,
    },
  ]
}

/**
 * Nodes as child processes: node 1 (or the lowest node still running) is the bootstrap peer of
 * every node started after it. A node keeps its index, so its data directory (its peer ID) and
 * ports, for as long as it runs; an index freed by a removal is taken again by the next add,
 * with the same identity and ports.
 */
export function createFleet(init: FleetInit, components: FleetComponents): Fleet {
  const running = new Map<number, NodeProcess>()
  const starting = new Set<number>()
  /** Nodes that exited on their own: listed (so status and Prometheus show them down) until removed. */
  const exited = new Map<number, DevnetNode>()
  let stopping = false

  const nodes = (): DevnetNode[] =>
    [...[...running.values()].map((member) => member.node), ...exited.values()].sort(
      (a, b) => a.index - b.index,
    )
  const runningNodes = (): DevnetNode[] =>
    nodes().filter((node) => running.get(node.index)?.node === node)

  const freeIndexes = (count: number): number[] => {
    const indexes: number[] = []
    for (let index = 1; indexes.length < count; index++) {
      if (!running.has(index) && !starting.has(index) && !exited.has(index)) indexes.push(index)
    }
    return indexes
  }

  const startOne = async (index: number, bootstrap: string | undefined): Promise<NodeProcess> => {
    const [p2p, diagnostics] = wantedPorts(init, index)
    const member = await startNodeProcess({
      dir: init.dir,
      index,
      p2pPort: p2p?.port ?? 0,
      diagnosticsPort: diagnostics?.port ?? 0,
      ...(bootstrap !== undefined ? { bootstrap } : {}),
    })
    // a node that exits on its own stays listed, pid null: the targets keep it, so it shows down
    void member.exited.then((code) => {
      if (stopping || running.get(index) !== member) return
      running.delete(index)
      exited.set(index, { ...member.node, pid: null })
      components.onExit(member.node, code)
      void components.onChange(nodes())
    })
    return member
  }

  const add = async (count: number): Promise<DevnetNode[]> => {
    if (stopping) throw new UsageError('the devnet is stopping')
    // a node that exited keeps its index (and ports) until removed
    const room = DEVNET_LIMITS.maxNodes - running.size - starting.size - exited.size
    if (room < 1) {
      throw new UsageError(
        `the devnet has ${DEVNET_LIMITS.maxNodes} nodes, the most it runs: remove one first`,
      )
    }
    if (!Number.isSafeInteger(count) || count < 1 || count > room) {
      throw new UsageError(
        `--count must be an integer from 1 to ${room} (a devnet runs at most ${DEVNET_LIMITS.maxNodes} nodes)`,
      )
    }
    const indexes = freeIndexes(count)
    await requireFreePorts(indexes.flatMap((index) => wantedPorts(init, index)))
    for (const index of indexes) starting.add(index)
    let started: NodeProcess[]
    try {
      started = await startMembers(indexes, runningNodes()[0]?.multiaddr, startOne)
    } finally {
      for (const index of indexes) starting.delete(index)
    }
    if (stopping) {
      await Promise.all(started.map((member) => member.stop()))
      throw new UsageError('the devnet is stopping')
    }
    for (const member of started) running.set(member.node.index, member)
    await components.onChange(nodes())
    return started.map((member) => member.node).sort((a, b) => a.index - b.index)
  }

  const remove = async (ref: string): Promise<DevnetNode> => {
    const wanted = ref.trim().replace(/^node-/, '')
    const matches = (node: DevnetNode): boolean =>
      String(node.index) === wanted || node.peer_id === ref.trim()
    const dead = [...exited.values()].find(matches)
    if (dead !== undefined) {
      exited.delete(dead.index)
      await components.onChange(nodes())
      return dead
    }
    const found = [...running.values()].find((member) => matches(member.node))
    if (found === undefined) {
      const list = nodes()
        .map((node) => node.index)
        .join(', ')
      throw new UsageError(
        `no node "${ref}" in this devnet (nodes: ${list || 'none'}); give an index, node-<index> or a peer ID`,
      )
    }
    running.delete(found.node.index)
    await found.stop()
    await components.onChange(nodes())
    return found.node
  }

  // one stop for every caller: each waits until every node has exited
  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping = true
    stopped ??= Promise.all([...running.values()].map((member) => member.stop())).then(() => {
      running.clear()
      exited.clear()
    })
    return stopped
  }

  return { nodes, add, remove, stop }
}

/**
 * Starts the nodes of `indexes` with `start`, all or none: without a `bootstrap` address the first
 * comes up alone and is the bootstrap peer of the others, which then start together. When any
 * fails, those that started are stopped again and the first failure is thrown: a devnet never
 * keeps half of a start or an add.
 */
export async function startMembers(
  indexes: readonly number[],
  bootstrap: string | undefined,
  start: (index: number, bootstrap: string | undefined) => Promise<NodeProcess>,
): Promise<NodeProcess[]> {
  const started: NodeProcess[] = []
  try {
    const queue = [...indexes]
    let from = bootstrap
    if (from === undefined && queue.length > 0) {
      const first = await start(queue.shift() as number, undefined)
      started.push(first)
      from = first.node.multiaddr
    }
    const results = await Promise.allSettled(queue.map((index) => start(index, from)))
    for (const result of results) if (result.status === 'fulfilled') started.push(result.value)
    const failed = results.find((result) => result.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  } catch (err) {
    await Promise.all(started.map((member) => member.stop()))
    throw err
  }
  return started
}
