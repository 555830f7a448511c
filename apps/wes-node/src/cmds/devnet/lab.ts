/**
 * `wes-node devnet --lab <topology>`: the devnet's nodes as hosts of a network-lab topology
 * (`@wes/netlab`: one network namespace per host, veth links to a bridge, nftables), instead of
 * processes on loopback. Node i runs on the topology's i-th host and listens on its lab address;
 * node 1 is the bootstrap peer of the rest by that address.
 *
 * The lab has no link to the machine's network, so each node's diagnostics (127.0.0.1:28686
 * inside its host) reach the machine in two hops: the lab's forwarder inside the host serves them
 * on a Unix socket, and this process serves that socket on `127.0.0.1:<diagnostics port>` of the
 * machine. The state, targets, `devnet status` and Prometheus then see the usual loopback URLs.
 *
 * The topology is built once for `--nodes` hosts: a lab devnet has a fixed size (`add` and
 * `remove` answer a usage error). Stopping stops the nodes, then the lab deletes its namespaces;
 * the namespaces of a killed devnet are removed when the next lab devnet starts.
 */

import { connect, createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  NETNS_PREFIX,
  labUnavailableReason,
  lan,
  publicNetwork,
  removeStaleLabs,
  startLab,
} from '@wes/netlab'
import type { Lab, LabProcess, Topology } from '@wes/netlab'
import { UsageError } from '../../errors.js'
import { startMembers } from './fleet.js'
import type { Fleet, FleetComponents, FleetInit } from './fleet.js'
import { startNodeProcess } from './node-process.js'
import type { NodeProcess } from './node-process.js'
import type { DevnetLabTopology } from './options.js'
import type { DevnetNode } from './state.js'

/** The diagnostics port of a node inside its lab host (each host has its own loopback). */
const LAB_DIAGNOSTICS_PORT = 28686
/** The lab's forwarder (Unix socket to a TCP address inside a namespace), beside its index. */
const FORWARDER = fileURLToPath(new URL('./forwarder.js', import.meta.resolve('@wes/netlab')))
/** Bound on the forwarder's start. */
const FORWARDER_START_MS = 30_000

/** The topology of `--lab <name>` with `count` hosts. */
const TOPOLOGY_BUILDERS: Record<DevnetLabTopology, (count: number) => Topology> = {
  'public-network': (count) => publicNetwork(count),
  lan: (count) => lan(count),
}

/** Where a lab devnet runs, as `devnet.json` lists it. */
export interface DevnetLab {
  topology: DevnetLabTopology
  /** The lab run's id. */
  id: string
  /** The common prefix of its namespaces: `<prefix><host>` is a node's (`ip netns exec`). */
  netns_prefix: string
}

/** A fleet on a lab: its nodes are the topology's hosts. */
export interface LabFleet extends Fleet {
  readonly lab: DevnetLab
}

export interface LabFleetInit extends FleetInit {
  topology: DevnetLabTopology
  /** The number of hosts, fixed for the devnet's life. */
  nodes: number
  /** A line for the operator (e.g. stale namespaces removed). */
  notice(line: string): void
}

/** A `UsageError` (exit 2) with `labUnavailableReason()`'s message when the lab cannot run here. */
export function requireLab(): void {
  const reason = labUnavailableReason()
  if (reason !== undefined) {
    throw new UsageError(`--lab: ${reason}`, 'ERR_LAB_UNAVAILABLE')
  }
}

/** A TCP server on the machine's loopback that forwards each connection to a Unix socket. */
interface LoopbackForward {
  port: number
  /** Stops listening and ends the open connections. */
  close(): Promise<void>
}

/** Serves the Unix socket `socketPath` on `127.0.0.1:port` (0: a free port). */
function serveOnLoopback(port: number, socketPath: string): Promise<LoopbackForward> {
  const open = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(socketPath)
    open.add(client)
    const close = (): void => {
      open.delete(client)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
    client.pipe(upstream).pipe(client)
  })
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve())
      for (const socket of open) socket.destroy()
    })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.off('error', reject)
      resolve({ port: (server.address() as AddressInfo).port, close })
    })
  })
}

/** One node of a lab devnet: its process, the lab forwarder and the loopback server. */
async function startLabMember(
  lab: Lab,
  init: LabFleetInit,
  index: number,
  bootstrap: string | undefined,
): Promise<NodeProcess> {
  const host = lab.topology.hosts[index - 1]?.name
  if (host === undefined) throw new Error(`the lab has no host for node ${index}`)
  const member = await startNodeProcess({
    dir: init.dir,
    index,
    p2pPort: init.basePort === 0 ? 0 : init.basePort + index - 1,
    diagnosticsPort: LAB_DIAGNOSTICS_PORT,
    host: lab.address(host),
    netns: lab.netns(host),
    ...(bootstrap !== undefined ? { bootstrap } : {}),
  })
  let forwarder: LabProcess | undefined
  let forward: LoopbackForward | undefined
  const stop = async (graceMs?: number): Promise<void> => {
    await member.stop(graceMs)
    await forward?.close()
    await forwarder?.stop('SIGTERM', 2_000)
  }
  try {
    const socketPath = join(lab.dir, `${host}.sock`)
    forwarder = lab.spawn(host, process.execPath, [
      FORWARDER,
      socketPath,
      '127.0.0.1',
      String(LAB_DIAGNOSTICS_PORT),
    ])
    await forwarder.waitFor(/^ready$/m, FORWARDER_START_MS)
    forward = await serveOnLoopback(
      init.diagBasePort === 0 ? 0 : init.diagBasePort + index - 1,
      socketPath,
    )
  } catch (err) {
    await stop(2_000)
    throw err
  }
  const { port } = forward
  const node: DevnetNode = {
    ...member.node,
    diagnostics_port: port,
    diagnostics_url: `http://127.0.0.1:${port}`,
    netns: lab.netns(host),
  }
  return { node, exited: member.exited, stop }
}

/**
 * Builds `init.topology` with `init.nodes` hosts (removing the namespaces of killed devnets
 * first) and returns its fleet: the first `add` starts a node on every host (all or none), later
 * `add`s and every `remove` are usage errors; `stop` stops the nodes and deletes the lab.
 */
export async function createLabFleet(
  init: LabFleetInit,
  components: FleetComponents,
): Promise<LabFleet> {
  const stale = removeStaleLabs()
  if (stale.length > 0) {
    init.notice(
      `wes-node devnet: removed ${stale.length} namespace(s) a killed lab devnet left: ${stale.join(', ')}`,
    )
  }
  const topology = { ...TOPOLOGY_BUILDERS[init.topology](init.nodes), name: init.topology }
  // the devnet handles SIGINT/SIGTERM itself and stops the lab through `stop()`
  const lab = await startLab(topology, { handleSignals: false })
  const fixedSize = (): UsageError =>
    new UsageError(
      `a lab devnet has a fixed size (${init.nodes} host(s) of ${init.topology}): add and remove work on a loopback devnet; start a new lab devnet with another --nodes`,
      'ERR_DEVNET_LAB_FIXED',
    )
  const running = new Map<number, NodeProcess>()
  const exited = new Map<number, DevnetNode>()
  let started = false
  let stopping = false

  const nodes = (): DevnetNode[] =>
    [...[...running.values()].map((member) => member.node), ...exited.values()].sort(
      (a, b) => a.index - b.index,
    )

  const watch = (member: NodeProcess): void => {
    void member.exited.then((code) => {
      const { index } = member.node
      if (stopping || running.get(index) !== member) return
      running.delete(index)
      exited.set(index, { ...member.node, pid: null })
      components.onExit(member.node, code)
      void components.onChange(nodes())
    })
  }

  const add = async (count: number): Promise<DevnetNode[]> => {
    if (stopping) throw new UsageError('the devnet is stopping')
    if (started || count !== init.nodes) throw fixedSize()
    started = true
    const indexes = Array.from({ length: init.nodes }, (_, i) => i + 1)
    const members = await startMembers(indexes, undefined, (index, bootstrap) =>
      startLabMember(lab, init, index, bootstrap),
    )
    if (stopping) {
      await Promise.all(members.map((member) => member.stop()))
      throw new UsageError('the devnet is stopping')
    }
    for (const member of members) {
      running.set(member.node.index, member)
      watch(member)
    }
    await components.onChange(nodes())
    return nodes()
  }

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping = true
    stopped ??= Promise.all([...running.values()].map((member) => member.stop())).then(async () => {
      running.clear()
      exited.clear()
      // kills what still runs in the namespaces (a node still starting), then deletes them
      await lab.stop()
    })
    return stopped
  }

  return {
    nodes,
    add,
    remove: () => Promise.reject(fixedSize()),
    stop,
    lab: {
      topology: init.topology,
      id: lab.id,
      netns_prefix: `${NETNS_PREFIX}${process.pid}-${lab.id}-`,
    },
  }
}
