/**
 * The bootstrap history: for each configured bootstrap peer, how the last dial of the bootstrap
 * mechanism ended, and since when it has been failing. Fed by the discovery service's
 * `discovery:dial` events; read by the snapshot, for the health verdict.
 */

import { classifyDialError } from '../dial-error.js'
import { bootstrapPeersOf } from '../discovery/bootstrap.js'
import { describeError } from '../logger.js'
import type { DialErrorClass } from '../dial-error.js'
import type { BootstrapPeer } from '../discovery/bootstrap.js'
import type { DiscoveryDialEvent } from '../discovery/index.js'
import type { BootstrapPeerFacts } from '../snapshot.js'

/** Long enough for any error worth reading, short enough for a JSON line. */
const MAX_ERROR_LENGTH = 200

interface DialRecord {
  outcome: 'success' | 'failure'
  at: number
  errorClass: DialErrorClass | null
  error: string | null
  failingSince: number | null
}

export class BootstrapHistory {
  private readonly selfId: string
  private peers: readonly BootstrapPeer[]
  private readonly records = new Map<string, DialRecord>()

  constructor(bootstrap: readonly string[], selfId: string) {
    this.selfId = selfId
    this.peers = bootstrapPeersOf(bootstrap, selfId)
  }

  /**
   * Follows a new bootstrap list (a configuration reload). A peer still listed at the same address
   * keeps its history (failing before the reload, it is still failing since then); the others
   * start afresh, so a corrected address is not blamed for the old one's failures.
   */
  setBootstrap(bootstrap: readonly string[]): void {
    const previous = this.peers
    this.peers = bootstrapPeersOf(bootstrap, this.selfId)
    for (const id of this.records.keys()) {
      const now = this.peers.find((peer) => peer.id === id)
      const before = previous.find((peer) => peer.id === id)
      if (now === undefined || before === undefined || !now.address.equals(before.address)) {
        this.records.delete(id)
      }
    }
  }

  /** Forgets every dial (on start: a new run's history starts empty). */
  reset(): void {
    this.records.clear()
  }

  /** Records a dial that ended; dials of other mechanisms are not this history's. */
  record(event: DiscoveryDialEvent, at = Date.now()): void {
    if (event.mechanism !== 'bootstrap') return
    if (event.outcome === 'success') {
      this.records.set(event.peerId, {
        outcome: 'success',
        at,
        errorClass: null,
        error: null,
        failingSince: null,
      })
      return
    }
    const previous = this.records.get(event.peerId)
    this.records.set(event.peerId, {
      outcome: 'failure',
      at,
      errorClass: classifyDialError(event.error),
      error:
        event.error === undefined
          ? null
          : describeError(event.error).replace(/\s+/g, ' ').slice(0, MAX_ERROR_LENGTH),
      failingSince: previous?.failingSince ?? at,
    })
  }

  /** Each configured peer, in configuration order; `connected` holds the connected peer IDs. */
  read(connected: ReadonlySet<string>): BootstrapPeerFacts[] {
    return this.peers.map(({ id, address }) => {
      const record = this.records.get(id)
      return {
        peerId: id,
        multiaddr: address.toString(),
        connected: connected.has(id),
        lastOutcome: record?.outcome ?? null,
        lastDialAt: record?.at ?? null,
        errorClass: record?.errorClass ?? null,
        error: record?.error ?? null,
        failingSince: record?.failingSince ?? null,
      }
    })
  }
}
