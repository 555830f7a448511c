/**
 * Plain libp2p peers for the suite (TCP, noise, yamux, identify, ping; no DHT, no discovery):
 * they connect to the node under test, ping it, stream through it, and play bootstrap peers.
 */

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import { sleep } from './runner.js'
import type { CaseContext } from './runner.js'

export type Peer = Libp2p<{ identify: unknown; ping: Ping }>

export interface PeerInit {
  privateKey?: PrivateKey
  /** Listen addresses; none by default (a dial-only peer). */
  listen?: string[]
  /**
   * The local address outgoing connections come from, e.g. `127.0.1.7`. libp2p accepts at most
   * 5 inbound connections per second from one host (`inboundConnectionThreshold`), so peers
   * that churn or flood come from distinct loopback addresses, as distinct machines would.
   */
  sourceAddress?: string
}

/** Starts a peer; it is stopped when the case ends. */
export async function createPeer(ctx: CaseContext | undefined, init: PeerInit = {}): Promise<Peer> {
  const peer = (await createLibp2p({
    privateKey: init.privateKey ?? (await generateKeyPair('Ed25519')),
    addresses: { listen: init.listen ?? [] },
    // net.connect takes localAddress; the transport's option type does not list it
    transports: [
      tcp(
        (init.sourceAddress !== undefined
          ? { dialOpts: { localAddress: init.sourceAddress } }
          : {}) as Parameters<typeof tcp>[0],
      ),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { maxConnections: 1_000, dialTimeout: 10_000 },
    services: { identify: identify(), ping: ping() },
  })) as unknown as Peer
  ctx?.defer(() => stopPeer(peer))
  return peer
}

export async function stopPeer(peer: Peer): Promise<void> {
  await Promise.race([peer.stop(), sleep(5_000)]).catch(() => undefined)
}

/**
 * One ping round trip in milliseconds. libp2p allows one outbound ping stream per peer at a
 * time and the node's own services ping too, so a refused stream is retried (bounded).
 */
export async function pingOnce(
  peer: Peer,
  target: string,
  timeoutMs = 5_000,
  retries = 3,
): Promise<number> {
  const ma = multiaddr(target)
  let lastError: unknown
  for (let attempt = 0; attempt <= retries; attempt++) {
    const started = performance.now()
    try {
      await peer.services.ping.ping(ma, { signal: AbortSignal.timeout(timeoutMs) })
      return performance.now() - started
    } catch (err) {
      lastError = err
      await sleep(50 * (attempt + 1))
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError))
}

/** Dials `target` and waits for the connection. */
export async function dial(peer: Peer, target: string, timeoutMs = 10_000): Promise<void> {
  await peer.dial(multiaddr(target), { signal: AbortSignal.timeout(timeoutMs) })
}

export async function hangUp(peer: Peer, target: string): Promise<void> {
  await peer.hangUp(multiaddr(target))
}

export { generateKeyPair, multiaddr }
