import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import {
  AGENT_CLASSES,
  agentClassOf,
  createNetworkMetrics,
  peersByAgentClass,
} from '../../src/index.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'

describe('agentClassOf', () => {
  it.each([
    ['wes-node/0.1.0 libp2p/3.3.11 node/24.21.0', 'wes-node'],
    ['libp2p/3.3.11 node/24.21.0', 'js-libp2p'],
    ['js-libp2p/2.8.2 node/22.0.0', 'js-libp2p'],
    ['helia/5.4.2 libp2p/2.8.8 node/22.15.0', 'helia'],
    ['kubo/0.29.0/3f0947b', 'kubo'],
    ['go-ipfs/0.12.0/', 'kubo'],
    ['github.com/libp2p/go-libp2p', 'go-libp2p'],
    ['go-libp2p/0.36.2', 'go-libp2p'],
    ['rust-libp2p/0.44.0', 'rust-libp2p'],
    ['lotus-1.26.3+mainnet+git.5d9c7ac', 'lotus'],
    ['Lighthouse/v5.1.3-3058b96/x86_64-linux', 'lighthouse'],
    ['Prysm/v5.0.3/8ecb3fd', 'prysm'],
    ['teku/teku/v24.3.1/linux-x86_64', 'teku'],
    ['nimbus', 'nimbus'],
    ['lodestar/v1.17.0/ec2a9b1', 'lodestar'],
    ['my-own-node/1.0', 'other'],
    ['12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN', 'other'],
    ['', 'other'],
    ['__proto__', 'other'],
  ])('%s is %s', (agent, found) => {
    expect(agentClassOf(agent)).toBe(found)
  })
})

describe('peersByAgentClass', () => {
  it('has every class, counts announced agents by class and the rest of the peers as unknown', () => {
    const counts = peersByAgentClass(
      { 'kubo/0.29.0/3f0947b': 2, 'kubo/0.30.0/x': 1, 'libp2p/3.3.11 node/24': 1, 'odd/1': 1 },
      7,
    )
    expect(Object.keys(counts)).toEqual([...AGENT_CLASSES])
    expect(counts).toMatchObject({ kubo: 3, 'js-libp2p': 1, other: 1, unknown: 2, 'wes-node': 0 })
  })
})

describe('p2p_peers_by_agent', () => {
  async function series(registry: Registry): Promise<Record<string, number>> {
    const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'p2p_peers_by_agent')
    return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.agent), v.value]))
  }

  it('has one series per class from the start, and never one per agent string', async () => {
    const registry = new Registry()
    const source = createStubSource(undefined)
    createNetworkMetrics(registry, { source })
    expect(await series(registry)).toEqual(
      Object.fromEntries(AGENT_CLASSES.map((agent) => [agent, 0])),
    )

    // a hundred peers, each with an agent of its own making
    const agents = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`evil-${i}/${'x'.repeat(i)}`, 1]),
    )
    const peerIds = Array.from({ length: 103 }, (_, i) => `12D3KooWPeer${i}`)
    source.current = sampleSnapshot({
      peerIds,
      agents: { ...agents, 'wes-node/0.1.0 libp2p/3.3.11 node/24.21.0': 2 },
    })
    const found = await series(registry)
    expect(Object.keys(found)).toHaveLength(AGENT_CLASSES.length)
    expect(found).toMatchObject({ other: 100, 'wes-node': 2, unknown: 1 })
    expect(await registry.metrics()).not.toContain('evil')
  })

  it('classifies a record once while it stays, and follows the peers that announced none', async () => {
    const registry = new Registry()
    const source = createStubSource(undefined)
    createNetworkMetrics(registry, { source })
    // one record, as a node returns it while no peer comes or goes
    const agents = Object.freeze({ 'kubo/0.29.0': 2, 'libp2p/3.3.11 node/24': 1 })
    const peers = (n: number): string[] => Array.from({ length: n }, (_, i) => `12D3KooWPeer${i}`)
    source.current = sampleSnapshot({ peerIds: peers(3), agents })
    expect(await series(registry)).toMatchObject({ kubo: 2, 'js-libp2p': 1, unknown: 0 })
    // a peer connected and has not identified yet: same record, one more unknown
    source.current = sampleSnapshot({ peerIds: peers(4), agents })
    expect(await series(registry)).toMatchObject({ kubo: 2, 'js-libp2p': 1, unknown: 1 })
    // it identified: a new record
    source.current = sampleSnapshot({ peerIds: peers(4), agents: { ...agents, 'kubo/0.29.0': 3 } })
    expect(await series(registry)).toMatchObject({ kubo: 3, 'js-libp2p': 1, unknown: 0 })
  })
})
