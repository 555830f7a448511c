/**
 * Hole punching as the node sees it. libp2p's DCUtR service tries to turn a relayed connection
 * into a direct one once both peers have identified each other over it, and reports nothing but
 * log lines. This tracker judges each attempt by its outcome in libp2p's public events: a direct
 * connection to the same peer within the attempt's window is a success (whoever dialled it: the
 * operator's question is whether the relayed connection became direct); none is a failure.
 *
 * A failure carries what the node can tell of its cause: `no_public_address` when neither side
 * had a public address to dial when the attempt began (DCUtR then has nothing to try: js-libp2p
 * does not use observed TCP addresses, libp2p/js-libp2p#2620), else `no_direct_connection`
 * (addresses to dial, and the NATs or firewalls let no dial through).
 */

import { isNetworkAddress, isPrivate } from '@libp2p/utils'
import { isRelayed } from '../reachability.js'
import type { Logger } from '../logger.js'
import type { Connection, IdentifyResult, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** DCUtR's protocol: a peer that does not speak it is never hole punched. */
export const DCUTR_PROTOCOL = '/libp2p/dcutr'

/**
 * How long an attempt may take: DCUtR's 5 s timeout for each of its 3 tries, the round trip
 * it waits between them, and the unilateral upgrade it tries first.
 */
export const HOLE_PUNCH_WINDOW_MS = 30_000

/** Attempts waiting for an outcome at most (a peer storm cannot grow the map). */
const MAX_PENDING = 256

/** Results kept for readers that poll (the metrics read them at scrape time). */
export const HOLE_PUNCH_RECENT = 32

export type HolePunchCause = 'no_public_address' | 'no_direct_connection'

/** How one attempt ended. */
export interface HolePunchResult {
  /** 1 for the first result since start, then 2, ...: a poller reads each result once. */
  seq: number
  peerId: string
  outcome: 'success' | 'failure'
  /** Why it failed; null on success. */
  cause: HolePunchCause | null
  /** Unix ms when it ended. */
  at: number
  durationMs: number
  /** The direct connection's remote address, on success. */
  address: string | null
}

export interface HolePunchFacts {
  /** The DCUtR service runs (it does whenever the relay client is enabled). */
  enabled: boolean
  attempts: number
  successes: number
  failures: number
  /** Attempts still waiting for an outcome. */
  pending: number
  last: HolePunchResult | null
  /** The last {@link HOLE_PUNCH_RECENT} results, oldest first. */
  recent: HolePunchResult[]
}

interface Attempt {
  startedAt: number
  /** Either side had a public address to dial when the attempt began. */
  hadPublicAddress: boolean
  timer: ReturnType<typeof setTimeout>
}

function isDirectPublic(ma: Multiaddr): boolean {
  return !isRelayed(ma) && isNetworkAddress(ma) && isPrivate(ma) === false
}

export interface HolePunchTrackerInit {
  enabled: boolean
  /** The node's announced (verified) addresses. */
  ownAddresses(): Multiaddr[]
  /** Whether an open direct connection to the peer exists. */
  hasDirectConnection(peer: PeerId): boolean
  log: Logger
  windowMs?: number
}

export class HolePunchTracker {
  private readonly pending = new Map<string, Attempt>()
  private attempts = 0
  private successes = 0
  private failures = 0
  private last: HolePunchResult | null = null
  private recent: HolePunchResult[] = []

  constructor(private readonly init: HolePunchTrackerInit) {}

  /** A peer identified over a relayed connection: DCUtR starts now, if both speak it. */
  identified(
    result: Pick<IdentifyResult, 'peerId' | 'protocols' | 'listenAddrs' | 'connection'>,
  ): void {
    if (!this.init.enabled || !isRelayed(result.connection.remoteAddr)) return
    if (!result.protocols.includes(DCUTR_PROTOCOL)) return
    const peer = result.peerId.toString()
    if (this.pending.has(peer) || this.init.hasDirectConnection(result.peerId)) return
    if (this.pending.size >= MAX_PENDING) return
    const hadPublicAddress =
      this.init.ownAddresses().some(isDirectPublic) || result.listenAddrs.some(isDirectPublic)
    const timer = setTimeout(() => {
      this.end(peer, 'failure', null)
    }, this.init.windowMs ?? HOLE_PUNCH_WINDOW_MS)
    timer.unref?.()
    this.attempts++
    this.pending.set(peer, { startedAt: Date.now(), hadPublicAddress, timer })
  }

  /** A connection opened: a direct one to a peer with an attempt under way ends it. */
  connected(connection: Pick<Connection, 'remotePeer' | 'remoteAddr'>): void {
    if (isRelayed(connection.remoteAddr)) return
    this.end(connection.remotePeer.toString(), 'success', connection.remoteAddr.toString())
  }

  /** The peer left before an outcome: neither success nor failure, so not counted. */
  disconnected(peer: PeerId): void {
    const attempt = this.pending.get(peer.toString())
    if (attempt === undefined) return
    clearTimeout(attempt.timer)
    this.pending.delete(peer.toString())
    this.attempts--
  }

  reset(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer)
    this.pending.clear()
    this.attempts = 0
    this.successes = 0
    this.failures = 0
    this.last = null
    this.recent = []
  }

  facts(): HolePunchFacts {
    return {
      enabled: this.init.enabled,
      attempts: this.attempts,
      successes: this.successes,
      failures: this.failures,
      pending: this.pending.size,
      last: this.last === null ? null : { ...this.last },
      recent: this.recent.map((result) => ({ ...result })),
    }
  }

  private end(peer: string, outcome: 'success' | 'failure', address: string | null): void {
    const attempt = this.pending.get(peer)
    if (attempt === undefined) return
    clearTimeout(attempt.timer)
    this.pending.delete(peer)
    const at = Date.now()
    const cause: HolePunchCause | null =
      outcome === 'success'
        ? null
        : attempt.hadPublicAddress
          ? 'no_direct_connection'
          : 'no_public_address'
    if (outcome === 'success') this.successes++
    else this.failures++
    this.last = {
      seq: this.successes + this.failures,
      peerId: peer,
      outcome,
      cause,
      at,
      durationMs: at - attempt.startedAt,
      address,
    }
    this.recent.push(this.last)
    if (this.recent.length > HOLE_PUNCH_RECENT) this.recent.shift()
    this.init.log.info(`hole punch ${outcome === 'success' ? 'succeeded' : 'failed'}`, {
      peer,
      ...(cause === null ? { address } : { cause }),
      ms: at - attempt.startedAt,
    })
  }
}
