/**
 * Which implementation a peer runs, from the agent it announced in identify, as one of a fixed
 * allow-list: the label values of `p2p_peers_by_agent`. The agent string is the peer's to choose,
 * so it never becomes a label value itself; an agent that matches no prefix is `other`, and so is
 * a peer that claims to be anything, which is all a peer can do to the series.
 */

/**
 * The agent classes, in the order of {@link AGENT_PREFIXES}, then `other` (an agent matching none)
 * and `unknown` (a connected peer that announced none, or not yet).
 */
export const AGENT_CLASSES = [
  'wes-node',
  'js-libp2p',
  'helia',
  'go-libp2p',
  'kubo',
  'rust-libp2p',
  'py-libp2p',
  'nim-libp2p',
  'jvm-libp2p',
  'lotus',
  'forest',
  'lighthouse',
  'prysm',
  'teku',
  'nimbus',
  'lodestar',
  'other',
  'unknown',
] as const

/** An agent class, a label value of `p2p_peers_by_agent`. */
export type AgentClass = (typeof AGENT_CLASSES)[number]

/**
 * Agent prefixes (compared without case) and their class, first match wins. js-libp2p announces
 * `libp2p/<version> node/<version>` unless told otherwise; go-libp2p's default is its program's
 * module path, so only programs that name it are `go-libp2p`.
 */
export const AGENT_PREFIXES: ReadonlyArray<readonly [prefix: string, agent: AgentClass]> = [
  ['wes-node/', 'wes-node'],
  ['js-libp2p/', 'js-libp2p'],
  ['libp2p/', 'js-libp2p'],
  ['helia/', 'helia'],
  ['go-libp2p', 'go-libp2p'],
  ['github.com/libp2p/go-libp2p', 'go-libp2p'],
  ['kubo/', 'kubo'],
  ['go-ipfs/', 'kubo'],
  ['rust-libp2p/', 'rust-libp2p'],
  ['py-libp2p', 'py-libp2p'],
  ['nim-libp2p', 'nim-libp2p'],
  ['jvm-libp2p', 'jvm-libp2p'],
  ['lotus-', 'lotus'],
  ['lotus/', 'lotus'],
  ['forest-', 'forest'],
  ['forest/', 'forest'],
  ['lighthouse/', 'lighthouse'],
  ['prysm/', 'prysm'],
  ['teku/', 'teku'],
  ['nimbus', 'nimbus'],
  ['lodestar/', 'lodestar'],
]

/**
 * The class of an announced agent.
 *
 * @example
 * agentClassOf('kubo/0.29.0/3f0947b') // 'kubo'
 * agentClassOf('libp2p/3.3.11 node/24.11.1') // 'js-libp2p'
 * agentClassOf('12D3KooW... my own agent') // 'other'
 */
export function agentClassOf(agentVersion: string): AgentClass {
  const agent = agentVersion.trim().toLowerCase()
  for (const [prefix, found] of AGENT_PREFIXES) if (agent.startsWith(prefix)) return found
  return 'other'
}

/**
 * Connected peers by agent class, every class present (0 for most): `agents` counts the peers
 * that announced an agent by that agent; the rest of `connectedPeers` are `unknown`. `classOf` is
 * {@link agentClassOf}, or a memo of it.
 */
export function peersByAgentClass(
  agents: Readonly<Record<string, number>>,
  connectedPeers: number,
  classOf: (agent: string) => AgentClass = agentClassOf,
): Record<AgentClass, number> {
  const counts = Object.fromEntries(AGENT_CLASSES.map((agent) => [agent, 0])) as Record<
    AgentClass,
    number
  >
  let announced = 0
  for (const [agent, peers] of Object.entries(agents)) {
    if (!Number.isFinite(peers) || peers <= 0) continue
    counts[classOf(agent)] += peers
    announced += peers
  }
  counts.unknown = Math.max(0, connectedPeers - announced)
  return counts
}
