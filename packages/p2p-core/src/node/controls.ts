/**
 * What an operator asks of a running node by hand, as a Kubo operator does with `ipfs swarm
 * connect`, `ipfs swarm disconnect`, `ipfs ping` and `ipfs routing findpeer`: peer IDs and
 * multiaddrs come as text and are parsed here, libp2p's errors become {@link PeerOperationError}s
 * with one sentence and, for a failed dial, its class.
 */

import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { classifyDialError } from '../dial-error.js'
import { NotStartedError, PeerOperationError } from '../errors.js'
import type { DialErrorClass } from '../dial-error.js'
import type { P2PNode } from './index.js'
import type { AbortOptions, Libp2p, PeerId } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A connection the node has to a peer. */
export interface PeerConnection {
  peerId: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
}

/** The node's controls; each throws {@link NotStartedError} unless the node runs. */
export interface NodeControls {
  /**
   * Dials `address` (with or without `/p2p/<peer id>`), or answers with a connection already open
   * to that peer.
   *
   * @throws {PeerOperationError} `ERR_INVALID_MULTIADDR`, `ERR_SELF`, `ERR_DIAL_FAILED`
   */
  connect(address: string, options?: AbortOptions): Promise<PeerConnection>
  /**
   * Closes every connection to the peer: how many were open (0 when it was not connected).
   *
   * @throws {PeerOperationError} `ERR_INVALID_PEER_ID`
   */
  disconnect(peerId: string, options?: AbortOptions): Promise<number>
  /**
   * One ping (dialling the peer when not connected): the round trip in ms, as libp2p's ping
   * service measures it. A ping libp2p refuses because another one to the peer is under way (the
   * connection monitor's, the DHT's) is tried again, at most {@link PING_ATTEMPTS} times.
   *
   * @throws {PeerOperationError} `ERR_INVALID_PEER_ID`, `ERR_SELF`, `ERR_DIAL_FAILED`,
   *   `ERR_PING_FAILED`
   */
  ping(peerId: string, options?: AbortOptions): Promise<number>
  /**
   * The peer's addresses: from the peer store when the node knows them, else by a query of the
   * DHT (`libp2p.peerRouting.findPeer`).
   *
   * @throws {PeerOperationError} `ERR_INVALID_PEER_ID`, `ERR_SELF`, `ERR_PEER_NOT_FOUND`
   */
  findPeer(peerId: string, options?: AbortOptions): Promise<string[]>
}

/** Tries of one ping that libp2p refuses for a ping already under way. */
export const PING_ATTEMPTS = 3

/** The wait before the next try, times the try's number. */
const PING_RETRY_MS = 100

/** Errors (by name) of a ping refused locally because another one to the peer is open. */
const BUSY = new Set(['TooManyOutboundProtocolStreamsError'])

/** The first line of an error's message, bounded. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const line = (message.split('\n')[0] ?? '').trim() || 'unknown error'
  return line.length > 200 ? `${line.slice(0, 199)}…` : line
}

const DIAL_REASONS: Readonly<Record<DialErrorClass, string>> = {
  refused: 'connection refused',
  timeout: 'no answer in time',
  no_route: 'no route to the address',
  handshake: 'the handshake failed (not the expected libp2p peer?)',
  denied: "denied by the node's connection gater",
  aborted: 'aborted',
  other: 'failed',
}

function dialFailure(what: string, err: unknown): PeerOperationError {
  const dialError = classifyDialError(err)
  return new PeerOperationError(
    'ERR_DIAL_FAILED',
    `${what}: ${DIAL_REASONS[dialError]} (${reason(err)})`,
    { cause: err, dialError },
  )
}

function parsePeerId(text: string): PeerId {
  try {
    return peerIdFromString(text)
  } catch (err) {
    throw new PeerOperationError('ERR_INVALID_PEER_ID', `not a peer ID: ${reason(err)}`, {
      cause: err,
    })
  }
}

function parseMultiaddr(text: string): { address: Multiaddr; peerId: PeerId | undefined } {
  let address: Multiaddr
  try {
    address = multiaddr(text)
  } catch (err) {
    throw new PeerOperationError('ERR_INVALID_MULTIADDR', `not a multiaddr: ${reason(err)}`, {
      cause: err,
    })
  }
  // the last /p2p/ names the target; one before it names a relay
  const named = address
    .getComponents()
    .filter((component) => component.name === 'p2p')
    .at(-1)?.value
  if (named === undefined) return { address, peerId: undefined }
  try {
    return { address, peerId: peerIdFromString(named) }
  } catch (err) {
    throw new PeerOperationError(
      'ERR_INVALID_MULTIADDR',
      `the multiaddr's /p2p/ part is not a peer ID: ${reason(err)}`,
      { cause: err },
    )
  }
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/**
 * The controls of `node`, on its libp2p host.
 *
 * @example
 * const controls = createNodeControls(node)
 * const { peerId } = await controls.connect('/ip4/127.0.0.1/tcp/28680/p2p/12D3KooW...')
 * const rttMs = await controls.ping(peerId, { signal: AbortSignal.timeout(10_000) })
 */
export function createNodeControls(node: Pick<P2PNode, 'status' | 'libp2p'>): NodeControls {
  const running = (): Libp2p => {
    if (node.status !== 'started') throw new NotStartedError()
    return node.libp2p
  }
  const notSelf = (libp2p: Libp2p, peer: PeerId, what: string): void => {
    if (peer.equals(libp2p.peerId)) {
      throw new PeerOperationError('ERR_SELF', `cannot ${what} the node itself`)
    }
  }

  return {
    async connect(text, options = {}) {
      const libp2p = running()
      const { address, peerId } = parseMultiaddr(text)
      if (peerId !== undefined) notSelf(libp2p, peerId, 'connect to')
      let connection
      try {
        connection = await libp2p.dial(address, options)
      } catch (err) {
        if (options.signal?.aborted === true) throw err
        throw dialFailure(`cannot connect to ${address.toString()}`, err)
      }
      return {
        peerId: connection.remotePeer.toString(),
        remoteAddr: connection.remoteAddr.toString(),
        direction: connection.direction,
      }
    },

    async disconnect(text, options = {}) {
      const libp2p = running()
      const peer = parsePeerId(text)
      const open = libp2p.getConnections(peer).length
      if (open > 0) await libp2p.hangUp(peer, options)
      return open
    },

    async ping(text, options = {}) {
      const libp2p = running()
      const peer = parsePeerId(text)
      notSelf(libp2p, peer, 'ping')
      const service = (libp2p.services as { ping?: Ping }).ping
      if (service === undefined) throw new Error('the node has no ping service')
      const wasConnected = libp2p.getConnections(peer).length > 0
      for (let attempt = 1; ; attempt++) {
        try {
          return await service.ping(peer, options)
        } catch (err) {
          if (options.signal?.aborted === true) throw err
          const name = (err as { name?: unknown } | null)?.name
          if (typeof name === 'string' && BUSY.has(name) && attempt < PING_ATTEMPTS) {
            await pause(PING_RETRY_MS * attempt, options.signal)
            continue
          }
          if (!wasConnected && libp2p.getConnections(peer).length === 0) {
            throw dialFailure(`cannot reach ${text}`, err)
          }
          throw new PeerOperationError(
            'ERR_PING_FAILED',
            `${text} did not answer the ping: ${reason(err)}`,
            { cause: err },
          )
        }
      }
    },

    async findPeer(text, options = {}) {
      const libp2p = running()
      const peer = parsePeerId(text)
      notSelf(libp2p, peer, 'look up')
      try {
        const found = await libp2p.peerRouting.findPeer(peer, options)
        return found.multiaddrs.map((address) => address.toString())
      } catch (err) {
        if (options.signal?.aborted === true) throw err
        const name = (err as { name?: unknown } | null)?.name
        if (name === 'NotFoundError' || name === 'NoPeerRoutersError') {
          throw new PeerOperationError('ERR_PEER_NOT_FOUND', `no peer in the DHT knows ${text}`, {
            cause: err,
          })
        }
        throw err
      }
    },
  }
}
