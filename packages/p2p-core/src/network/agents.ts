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

export class PeerAgents {
  private readonly agents = new Map<string, string>()

  /** A peer identified itself (libp2p's `peer:identify`); a peer without an agent is forgotten. */
  identified(result: Pick<IdentifyResult, 'peerId' | 'agentVersion'>): void {
    const peer = result.peerId.toString()
    const agent = result.agentVersion?.slice(0, MAX_AGENT_LENGTH)
    if (agent === undefined || agent === '') {
      this.agents.delete(peer)
    } else if (this.agents.has(peer) || this.agents.size < MAX_PEERS) {
      this.agents.set(peer, agent)
    }
  }

  /** A peer's last connection closed (libp2p's `peer:disconnect`). */
  disconnected(peerId: PeerId): void {
    this.agents.delete(peerId.toString())
  }

  /** Connected peers by agent; peers that have not (yet) told theirs are not counted. */
  count(connected: readonly string[]): Record<string, number> {
    // a Map, then own properties: an agent named `__proto__` or `constructor` is just a key
    const counts = new Map<string, number>()
    for (const peer of connected) {
      const agent = this.agents.get(peer)
      if (agent !== undefined) counts.set(agent, (counts.get(agent) ?? 0) + 1)
    }
    return Object.fromEntries(counts)
  }

  reset(): void {
    this.agents.clear()
  }
}
