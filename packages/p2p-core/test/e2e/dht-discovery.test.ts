/**
 * The DHT discovery mechanism on a real network of three DHT servers on 127.0.0.1: A and C
 * both bootstrap from B only; A learns C from B's answer to its DHT self-query and dials it.
 */

import { once } from 'node:events'
import { cleanup, testNode, waitFor } from '../fixtures/nodes.js'
import type { DiscoveryDialEvent, P2PNode } from '../../src/index.js'

afterEach(cleanup)

function recordDials(node: P2PNode): DiscoveryDialEvent[] {
  const dials: DiscoveryDialEvent[] = []
  node.discovery.addEventListener('discovery:dial', (evt) => dials.push(evt.detail))
  return dials
}

describe('DHT discovery', () => {
  test('A and C bootstrap from B; A learns C through the DHT and dials it as mechanism dht', async () => {
    const b = await testNode({ dht: { mode: 'server' } })
    await b.start()
    const bootstrap = [b.getMultiaddrs()[0] ?? '']

    // C is satisfied with one peer, so only A dials through the DHT
    const c = await testNode({ bootstrap, dht: { mode: 'server' }, discovery: { minPeers: 1 } })
    const cDials = recordDials(c)
    // C's first self-query (about a second after start) runs before A exists, so C cannot
    // learn A (and kad-dht cannot connect them) before A learns C
    const cQueried = once(c.libp2p, 'kad-dht:query:self')
    await c.start()
    await cQueried

    const a = await testNode({ bootstrap, dht: { mode: 'server' } })
    const aDials = recordDials(a)
    await a.start()
    await waitFor(() => aDials.some((d) => d.mechanism === 'dht'), 'a DHT dial from A', {
      timeoutMs: 20_000,
    })

    expect(aDials).toEqual([
      { mechanism: 'bootstrap', peerId: b.peerId, outcome: 'success' },
      { mechanism: 'dht', peerId: c.peerId, outcome: 'success' },
    ])
    expect(a.discovery.stats().dials).toEqual({
      bootstrap: { success: 1, failure: 0 },
      dht: { success: 1, failure: 0 },
    })
    await waitFor(() => a.snapshot().peerIds.length === 2, 'A connected to B and C')
    expect(a.snapshot().peerIds.sort()).toEqual([b.peerId, c.peerId].sort())
    await waitFor(() => c.snapshot().peerIds.includes(a.peerId), 'C to see A')
    expect(cDials.map((d) => d.mechanism)).toEqual(['bootstrap'])
    // the per-mechanism counts of the spec's metrics are untouched by DHT dials
    expect(a.discovery.stats()).toMatchObject({
      bootstrapAttempts: 1,
      bootstrapSuccesses: 1,
      mdnsPeersFound: 0,
      mdnsConnectSuccesses: 0,
    })
  }, 40_000)
})
