/**
 * The bare libp2p nodes of the benchmarks: the baseline, built from the same transport,
 * encrypter, muxer and services as wes-node with no `metrics` component, and swarms of small
 * peers that dial a node from distinct loopback addresses. Imports libp2p only, so worker
 * processes that use it load nothing of wes-node.
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'

export const LOOPBACK_LISTEN = '/ip4/127.0.0.1/tcp/0'

export type BareNode = Libp2p<{
  identify: ReturnType<ReturnType<typeof identify>>
  ping: ReturnType<ReturnType<typeof ping>>
}>

export interface BareNodeInit {
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
}

/**
 * The baseline: libp2p from `createLibp2p` with tcp, noise, yamux, identify and ping, and no
 * `metrics` component.
 */
export async function createBareNode(init: BareNodeInit = {}): Promise<BareNode> {
  // net.connect options pass straight through; localAddress is not in the declared subset
  const dialOpts =
    init.localAddress !== undefined ? ({ localAddress: init.localAddress } as object) : undefined
  return createLibp2p({
    addresses: { listen: (init.listen ?? true) ? [LOOPBACK_LISTEN] : [] },
    transports: [tcp(dialOpts !== undefined ? { dialOpts } : {})],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() },
    ...(init.inboundConnectionThreshold !== undefined
      ? { connectionManager: { inboundConnectionThreshold: init.inboundConnectionThreshold } }
      : {}),
  })
}

/** The loopback address peer `index` of a swarm dials from: 127.0.1.1, 127.0.1.2, ... */
export function swarmLocalAddress(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`
}

/** Peers that each hold one connection to a target node. */
export class PeerSwarm {
  readonly peers: BareNode[] = []

  /**
   * Adds `count` peers and connects each to `target`, `concurrency` dials at a time (libp2p
   * accepts 10 pending inbound connections); every dial is retried at most 3 times.
   */
  async grow(count: number, target: string, concurrency = 8): Promise<void> {
    const added: BareNode[] = []
    for (let i = 0; i < count; i++) {
      const peer = await createBareNode({
        listen: false,
        localAddress: swarmLocalAddress(this.peers.length),
      })
      this.peers.push(peer)
      added.push(peer)
    }
    const targetAddr = multiaddr(target)
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < added.length) {
        const peer = added[next++] as BareNode
        for (let attempt = 1; ; attempt++) {
          try {
            await peer.dial(targetAddr, { signal: AbortSignal.timeout(10_000) })
            break
          } catch (err) {
            if (attempt >= 3) throw err
            await new Promise((r) => setTimeout(r, 250 * attempt))
          }
        }
      }
    }
    await Promise.all(Array.from({ length: concurrency }, worker))
  }

  async stop(): Promise<void> {
    await Promise.all(this.peers.splice(0).map(async (peer) => peer.stop()))
  }
}
