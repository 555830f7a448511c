/**
 * B6 discovery: start to the first bootstrap connection (against a bare libp2p node that dials
 * the same peer right after its start), mDNS find latency when the process is alone in a network namespace (never where multicast would leave the machine),
 * and a 20-node kad-dht network (server mode, each node bootstrapping from two others) started
 * at once: time until every node has a peer and until every routing table has an entry.
 */

import { loopbackOnly, multicastWorks } from '@wes/config/multicast'
import { createP2PNode } from '@wes/p2p-core'
import { multiaddr } from '@multiformats/multiaddr'
import { figure } from './lib/figure.js'
import { createBareNode } from './lib/nodes.js'
import { interleaved, median } from './lib/stats.js'
import { TempDirs, freePort, round, sleep, waitFor } from './lib/util.js'
import type { Benchmark, Figure } from './lib/types.js'
import type { P2PNode, P2POptionsInit } from '@wes/p2p-core'

/** Options of a loopback node without mDNS and AutoNAT, with the CLI's discovery schedule. */
function nodeOptions(dataDir: string, init: P2POptionsInit = {}): P2POptionsInit {
  return {
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    autonat: false,
    dataDir,
    logLevel: 'silent',
    ...init,
  }
}

/** ms from `start()` of a node bootstrapping from `target` to its first bootstrap success. */
async function bootstrapLatency(dirs: TempDirs, target: string): Promise<number> {
  const node = await createP2PNode(nodeOptions(await dirs.make(), { bootstrap: [target] }))
  let connectedAt: number | undefined
  node.discovery.setDiagnosticsCallbacks({
    onBootstrapSuccess: () => {
      connectedAt ??= performance.now()
    },
  })
  const start = performance.now()
  try {
    await node.start()
    await waitFor(() => connectedAt !== undefined, 'the bootstrap connection', {
      timeoutMs: 15_000,
      intervalMs: 2,
    })
    return (connectedAt as number) - start
  } finally {
    await node.stop()
  }
}

/** ms from `start()` of a bare libp2p node to its connection to `target`, dialled right after start. */
async function bareDialLatency(target: string): Promise<number> {
  const start = performance.now()
  const node = await createBareNode({ listen: true })
  try {
    await node.dial(multiaddr(target), { signal: AbortSignal.timeout(10_000) })
    return performance.now() - start
  } finally {
    await node.stop()
  }
}

/** ms from B's `start()` until B's mDNS finds A (A already running), or null after `timeoutMs`. */
async function mdnsLatency(dirs: TempDirs, timeoutMs: number): Promise<number | null> {
  const a = await createP2PNode(nodeOptions(await dirs.make(), { mdns: true }))
  const b = await createP2PNode(nodeOptions(await dirs.make(), { mdns: true }))
  let foundAt: number | undefined
  b.discovery.setDiagnosticsCallbacks({
    onMdnsPeerFound: (peerId) => {
      if (peerId === a.peerId) foundAt ??= performance.now()
    },
  })
  try {
    await a.start()
    const start = performance.now()
    await b.start()
    await waitFor(() => foundAt !== undefined, 'mDNS', { timeoutMs, intervalMs: 5 }).catch(
      () => undefined,
    )
    return foundAt === undefined ? null : foundAt - start
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
}

/** The routing table size a node reports. */
const tableSize = (node: P2PNode): number => node.snapshot().routing.routingTableSize

/**
 * Starts `count` DHT-server nodes at once, node i bootstrapping from nodes i+1 and i+7 (mod
 * count), on ports chosen beforehand. Returns ms until every node has a peer and until every
 * routing table has an entry.
 */
async function network(
  dirs: TempDirs,
  count: number,
  timeoutMs: number,
): Promise<{ allPeersMs: number; allTablesMs: number }> {
  const ports = await Promise.all(Array.from({ length: count }, async () => freePort()))
  const peerIds: string[] = []
  const nodes: P2PNode[] = []
  // identities first: a node's peer ID is known once it is created
  const dataDirs = await Promise.all(Array.from({ length: count }, async () => dirs.make()))
  for (let i = 0; i < count; i++) {
    const probe = await createP2PNode(nodeOptions(dataDirs[i] as string))
    peerIds.push(probe.peerId)
  }
  const addr = (i: number): string =>
    `/ip4/127.0.0.1/tcp/${ports[i % count]}/p2p/${peerIds[i % count]}`
  for (let i = 0; i < count; i++) {
    nodes.push(
      await createP2PNode(
        nodeOptions(dataDirs[i] as string, {
          listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
          dht: { mode: 'server' },
          bootstrap: [...new Set([addr(i + 1), addr(i + 7)])],
        }),
      ),
    )
  }
  try {
    const start = performance.now()
    await Promise.all(nodes.map(async (n) => n.start()))
    let allPeersMs: number | undefined
    let allTablesMs: number | undefined
    await waitFor(
      () => {
        const now = performance.now() - start
        if (allPeersMs === undefined && nodes.every((n) => n.snapshot().peerIds.length > 0))
          allPeersMs = now
        if (allTablesMs === undefined && nodes.every((n) => tableSize(n) > 0)) allTablesMs = now
        return allPeersMs !== undefined && allTablesMs !== undefined
      },
      `a ${count}-node network to connect`,
      { timeoutMs, intervalMs: 10 },
    )
    return { allPeersMs: allPeersMs as number, allTablesMs: allTablesMs as number }
  } finally {
    await Promise.all(nodes.map(async (n) => n.stop()))
  }
}

export const b6Discovery: Benchmark = {
  id: 'B6',
  title: 'Discovery',
  async run({ quick, log }) {
    const rounds = quick ? 2 : 5
    const networkRounds = quick ? 1 : 2
    const networkSize = 20
    const dirs = new TempDirs()
    const figures: Figure[] = []
    const notes: string[] = []
    // every bootstrapping node dials it from 127.0.0.1: lift libp2p's 5 per second per host
    const target = await createBareNode({ inboundConnectionThreshold: 1_000 })
    try {
      const targetAddr = `${target.getMultiaddrs()[0]?.toString() ?? ''}`
      await bootstrapLatency(dirs, targetAddr) // warm-up
      await bareDialLatency(targetAddr)
      const samples = await interleaved(
        rounds,
        {
          ours: async () => bootstrapLatency(dirs, targetAddr),
          bare: async () => bareDialLatency(targetAddr),
        },
        (variant, r, value) =>
          log(`B6 round ${r + 1}/${rounds} bootstrap ${variant}: ${Math.round(value)} ms`),
      )
      figures.push(
        figure({
          key: 'B6.bootstrap-first-connection',
          label: 'start to first bootstrap connection',
          unit: 'ms',
          better: 'lower',
          ours: median(samples.ours),
          baseline: median(samples.bare),
          baselineLabel: 'bare libp2p: start, then dial',
          samples: {
            ours: samples.ours.map((v) => round(v, 1)),
            baseline: samples.bare.map((v) => round(v, 1)),
          },
        }),
      )

      const isolated = loopbackOnly()
      const multicast = isolated && (await multicastWorks())
      const mdnsSamples: number[] = []
      if (multicast) {
        for (let r = 0; r < (quick ? 1 : 3); r++) {
          const ms = await mdnsLatency(dirs, 10_000)
          log(
            `B6 mDNS round ${r + 1}: ${ms === null ? 'not found in 10 s' : `${Math.round(ms)} ms`}`,
          )
          if (ms !== null) mdnsSamples.push(ms)
        }
      }
      figures.push(
        figure({
          key: 'B6.mdns-find',
          label: 'mDNS: start to peer found',
          unit: 'ms',
          better: 'lower',
          ours: mdnsSamples.length > 0 ? median(mdnsSamples) : null,
          samples: { ours: mdnsSamples.map((v) => round(v, 1)) },
        }),
      )
      notes.push(
        !isolated
          ? 'mDNS: not measured: this process has interfaces beyond loopback, where multicast would leave the machine; run the benchmark in a network namespace of its own (`unshare -n`, with `ip link set lo up multicast on`) to measure it. The lab test tooling/netlab/test/e2e/mdns.test.ts shows mDNS finding peers on a LAN.'
          : multicast
            ? mdnsSamples.length > 0
              ? `mDNS: multicast loops back on this machine; ${mdnsSamples.length} find(s) measured, from the second node's start() to its mDNS callback for the first node.`
              : 'mDNS: multicast loops back here, but no node found the other within 10 s.'
            : 'mDNS: not measurable here: a multicast datagram to 224.0.0.251 sent with loopback on did not arrive at a socket joined to the group within 1.5 s (no multicast route on this machine).',
      )

      const net = { peers: [] as number[], tables: [] as number[] }
      for (let r = 0; r < networkRounds; r++) {
        const { allPeersMs, allTablesMs } = await network(dirs, networkSize, 60_000)
        log(
          `B6 network round ${r + 1}: every node has a peer after ${Math.round(allPeersMs)} ms, every routing table after ${Math.round(allTablesMs)} ms`,
        )
        net.peers.push(allPeersMs)
        net.tables.push(allTablesMs)
        await sleep(200)
      }
      figures.push(
        figure({
          key: 'B6.network-all-peers',
          label: `${networkSize}-node network: every node has a peer`,
          unit: 'ms',
          better: 'lower',
          ours: median(net.peers),
          samples: { ours: net.peers.map((v) => round(v, 1)) },
        }),
        figure({
          key: 'B6.network-all-routing-tables',
          label: `${networkSize}-node network: every routing table has an entry`,
          unit: 'ms',
          better: 'lower',
          ours: median(net.tables),
          samples: { ours: net.tables.map((v) => round(v, 1)) },
        }),
      )
      notes.unshift(
        `Bootstrap: ${rounds} rounds, interleaved with the baseline; a new node each round (AutoNAT and mDNS off), ` +
          'timed from start() to the discovery service reporting the bootstrap success; the baseline is a bare ' +
          'libp2p node timed from createLibp2p() to its dial of the same peer.',
        `Network: ${networkRounds} round(s) of ${networkSize} nodes in this process (kad-dht server mode, AutoNAT and ` +
          'mDNS off), each bootstrapping from nodes i+1 and i+7, all started at once; ports and identities are made ' +
          'first, so every bootstrap list is complete before the first start.',
      )
      return { figures, notes }
    } finally {
      await target.stop()
      await dirs.removeAll()
    }
  },
}
