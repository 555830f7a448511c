/**
 * The bare libp2p nodes of the benchmarks: the baselines, libp2p with no `metrics` component
 * (minimal, or with the services wes-node composes), and swarms of small peers that dial a node
 * from distinct loopback addresses. Imports libp2p only, so worker processes that use it load
 * nothing of wes-node.
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'

export const LOOPBACK_LISTEN = '/ip4/127.0.0.1/tcp/0'

const silentLog: Logger = Object.assign(() => {}, {
  error: () => {},
  trace: () => {},
  enabled: false,
  newScope: (): Logger => silentLog,
})

/**
 * A logger that writes nothing and costs nothing to create: libp2p's default sets up a `debug`
 * instance (and a tty check) per component, a few milliseconds per node that a swarm of a
 * thousand peers would spend before its first dial.
 */
const SILENT_LOGGER: ComponentLogger = { forComponent: () => silentLog }

export type BareNode = Libp2p<{
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
}>

/**
 * Which libp2p services a bare node runs:
 *
 * - `minimal`: tcp, noise, yamux, identify and ping;
 * - `wes-node`: what `wes-node start` composes by default (packages/p2p-core's `compose.ts`):
 *   tcp and the circuit relay transport, noise, yamux, identify, ping, kad-dht on wes-node's
 *   protocol, AutoNAT v2 and DCUtR. A test holds the two to the same protocols.
 */
export type BareServices = 'minimal' | 'wes-node'

/** The kad-dht protocol `wes-node start` runs by default (`dht.protocol`). */
export const WES_DHT_PROTOCOL = '/wes/kad/1.0.0'

export interface BareNodeInit {
  /** @default 'minimal' */
  services?: BareServices
  /** Listen on 127.0.0.1 (a free port). @default true */
  listen?: boolean
  /**
   * The local address outgoing TCP connections bind to. libp2p refuses more than 5 inbound
   * connections per second from one host, so a swarm dials from 127.0.x.y, one address per peer.
   */
  localAddress?: string
  /**
   * Inbound connections accepted per second from one host (libp2p's default is 5); a benchmark
   * target that every node dials from 127.0.0.1 raises it.
   */
  inboundConnectionThreshold?: number
  /** libp2p's `connectionManager.maxConnections` (its default is 300). */
  maxConnections?: number
  /** The agent the node announces in identify. @default libp2p's own */
  userAgent?: string
  /** No libp2p log at all (swarm peers); the baseline keeps libp2p's default logger. @default false */
  silent?: boolean
  /**
   * libp2p's connection monitor, which pings every connection every 10 s. Swarm peers go
   * without, like go-libp2p and rust-libp2p peers by default: they answer a target's pings but
   * do not add their own. @default true
   */
  connectionMonitor?: boolean
}

/**
 * A baseline: libp2p from `createLibp2p` with the `services` asked for and no `metrics`
 * component.
 */
export async function createBareNode(init: BareNodeInit = {}): Promise<BareNode> {
  // net.connect options pass straight through; localAddress is not in the declared subset
  const dialOpts =
    init.localAddress !== undefined ? ({ localAddress: init.localAddress } as object) : undefined
  const asWesNode = init.services === 'wes-node'
  return createLibp2p({
    addresses: { listen: (init.listen ?? true) ? [LOOPBACK_LISTEN] : [] },
    transports: [
      tcp(dialOpts !== undefined ? { dialOpts } : {}),
      ...(asWesNode ? [circuitRelayTransport()] : []),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      ...(asWesNode
        ? {
            dht: kadDHT({ protocol: WES_DHT_PROTOCOL, peerInfoMapper: passthroughMapper }),
            autoNAT: autoNATv2(),
            dcutr: dcutr(),
          }
        : {}),
    },
    ...(init.userAgent !== undefined ? { nodeInfo: { userAgent: init.userAgent } } : {}),
    ...(init.silent === true ? { logger: SILENT_LOGGER } : {}),
    ...(init.connectionMonitor === false ? { connectionMonitor: { enabled: false } } : {}),
    connectionManager: {
      ...(init.inboundConnectionThreshold !== undefined
        ? { inboundConnectionThreshold: init.inboundConnectionThreshold }
        : {}),
      ...(init.maxConnections !== undefined ? { maxConnections: init.maxConnections } : {}),
    },
  })
}

/** The loopback address peer `index` of a swarm dials from: 127.0.1.1, 127.0.1.2, ... */
export function swarmLocalAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`
}

/** The agent peer `index` of a scale swarm announces: every peer its own. */
export function swarmAgent(index: number): string {
  return `wes-bench-peer/${index}`
}

/** The protocol peer `index` of a scale swarm serves (and announces in identify): every peer its own. */
export function swarmProtocol(index: number): string {
  return `/wes-bench/peer-${index}/1.0.0`
}

export interface PeerSwarmInit {
  /**
   * The index of this swarm's first peer: it picks the peers' loopback addresses (and, when
   * `distinct`, their agents and protocols), so swarms in several processes never overlap.
   * @default 0
   */
  firstIndex?: number
  /**
   * Every peer announces an agent and a protocol of its own ({@link swarmAgent},
   * {@link swarmProtocol}), as a crowd of different implementations would.
   * @default false
   */
  distinct?: boolean
}

/** Peers that each hold one connection to every target node. */
export class PeerSwarm {
  readonly peers: BareNode[] = []
  private readonly firstIndex: number
  private readonly distinct: boolean

  constructor(init: PeerSwarmInit = {}) {
    this.firstIndex = init.firstIndex ?? 0
    this.distinct = init.distinct ?? false
  }

  /**
   * Adds `count` peers and connects each to every target, `concurrency` dials at a time (libp2p
   * accepts 10 pending inbound connections); every dial is tried at most 3 times. Throws on the
   * first dial that fails 3 times, unless `tolerant`: then every dial is tried and the failures
   * are returned, for {@link reconnect} to try again.
   */
  async grow(
    count: number,
    target: string | string[],
    concurrency = 8,
    onDial?: (dialled: number, of: number) => void,
    tolerant = false,
  ): Promise<Error[]> {
    const added: BareNode[] = []
    for (let i = 0; i < count; i++) {
      const index = this.firstIndex + this.peers.length
      const peer = await createBareNode({
        listen: false,
        silent: true,
        connectionMonitor: false,
        localAddress: swarmLocalAddress(index),
        ...(this.distinct ? { userAgent: swarmAgent(index) } : {}),
      })
      if (this.distinct) await peer.handle(swarmProtocol(index), async (stream) => stream.close())
      this.peers.push(peer)
      added.push(peer)
    }
    const targets = (Array.isArray(target) ? target : [target]).map((t) => multiaddr(t))
    return dialAll(
      added.flatMap((peer) => targets.map((addr) => ({ peer, addr }))),
      concurrency,
      tolerant,
      onDial,
    )
  }

  /**
   * Dials again, once each, every target a peer has no connection to any more (a loaded
   * machine lets some pings time out, and libp2p's connection monitor then closes the
   * connection); returns how many dials that took, and the dials that failed 3 times.
   */
  async reconnect(
    target: string | string[],
    concurrency = 8,
  ): Promise<{ dials: number; failures: Error[] }> {
    const targets = (Array.isArray(target) ? target : [target]).map((t) => multiaddr(t))
    const missing = this.peers.flatMap((peer) =>
      targets
        .filter((addr) => {
          const id = addr.getComponents().findLast((c) => c.name === 'p2p')?.value
          return !peer.getConnections().some((c) => c.remotePeer.toString() === id)
        })
        .map((addr) => ({ peer, addr })),
    )
    return { dials: missing.length, failures: await dialAll(missing, concurrency, true) }
  }

  /** Peers with a connection to `remotePeer` (a peer ID string). */
  connectedToPeer(remotePeer: string): number {
    return this.peers.filter((p) =>
      p.getConnections().some((c) => c.remotePeer.toString() === remotePeer),
    ).length
  }

  /** Peers with connections open to `targets` distinct remote peers. */
  connectedTo(targets: number): number {
    return this.peers.filter(
      (p) => new Set(p.getConnections().map((c) => c.remotePeer.toString())).size >= targets,
    ).length
  }

  async stop(): Promise<void> {
    await Promise.all(this.peers.splice(0).map(async (peer) => peer.stop()))
  }
}

/**
 * Runs `dials`, `concurrency` at a time, each tried at most 3 times; a dial that fails 3 times
 * throws, or when `tolerant` is returned with the others that did.
 */
async function dialAll(
  dials: Array<{ peer: BareNode; addr: Multiaddr }>,
  concurrency: number,
  tolerant: boolean,
  onDial?: (dialled: number, of: number) => void,
): Promise<Error[]> {
  const failures: Error[] = []
  let next = 0
  let dialled = 0
  const worker = async (): Promise<void> => {
    while (next < dials.length) {
      const { peer, addr } = dials[next++] as (typeof dials)[number]
      for (let attempt = 1; ; attempt++) {
        try {
          await peer.dial(addr, { signal: AbortSignal.timeout(10_000) })
          onDial?.(++dialled, dials.length)
          break
        } catch (err) {
          if (attempt >= 3) {
            const failure = new Error(
              `dial ${addr.toString()} failed 3 times: ${err instanceof Error ? err.message : String(err)}`,
              { cause: err },
            )
            if (!tolerant) throw failure
            failures.push(failure)
            break
          }
          await new Promise((r) => setTimeout(r, 250 * attempt))
        }
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return failures
}
