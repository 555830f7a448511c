/**
 * The agent of each connected peer, as it announced itself in identify (`agentVersion`, e.g.
 * `kubo/0.29.0/3f0947b`): counted by agent for the snapshot. The strings are the peers' own, so
 * they never leave this package but as JSON keys of a count; the diagnostics map them onto a
 * fixed allow-list before any of them becomes a label value.
 */

import type { IdentifyResult, PeerId } from '@libp2p/interface'

/** An agent string is cut to this length: identify allows kilobytes. */
export const MAX_AGENT_LENGTH = 128

/** Peers remembered at most (libp2p forgets none of them without a disconnect). */
const MAX_PEERS = 10_000

/**
 * Connected peers by agent, kept as they identify and disconnect. The snapshot reads the counts
 * on every scrape: a read returns the same frozen record until a peer comes or goes, so it costs
 * nothing between changes, and a reader may key a cache by it (the diagnostics classify each
 * record's agents once).
 */
export class PeerAgents {
  private readonly agents = new Map<string, string>()
  /** Peers by agent: a Map, so an agent named `__proto__` or `constructor` is just a key. */
  private readonly counts = new Map<string, number>()
  /** The record {@link count} returned last; undefined after a change. */
  private record: Readonly<Record<string, number>> | undefined

  /**
   * A peer identified itself (libp2p's `peer:identify`) on a connection that is still open; a
   * peer without an agent is forgotten.
   */
  identified(result: Pick<IdentifyResult, 'peerId' | 'agentVersion'>): void {
    const peer = result.peerId.toString()
    const agent = result.agentVersion?.slice(0, MAX_AGENT_LENGTH)
    if (agent === undefined || agent === '') {
      this.forget(peer)
    } else if (this.agents.has(peer) || this.agents.size < MAX_PEERS) {
      this.forget(peer)
      this.agents.set(peer, agent)
      this.counts.set(agent, (this.counts.get(agent) ?? 0) + 1)
      this.record = undefined
    }
  }

  /** A peer's last connection closed (libp2p's `peer:disconnect`). */
  disconnected(peerId: PeerId): void {
    this.forget(peerId.toString())
  }

  /**
   * Connected peers by agent; peers that have not (yet) told theirs are not counted. Frozen, and
   * the same object until the counts change.
   */
  count(): Readonly<Record<string, number>> {
    this.record ??= Object.freeze(Object.fromEntries(this.counts))
    return this.record
  }

  reset(): void {
    this.agents.clear()
    this.counts.clear()
    this.record = undefined
  }

  private forget(peer: string): void {
    const agent = this.agents.get(peer)
    if (agent === undefined) return
    this.agents.delete(peer)
    this.record = undefined
    const left = (this.counts.get(agent) ?? 1) - 1
    if (left > 0) this.counts.set(agent, left)
    else this.counts.delete(agent)
  }
}
