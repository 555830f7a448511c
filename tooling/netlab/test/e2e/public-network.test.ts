/**
 * Defect: on a network with public addresses, wes-nodes with AutoNAT on dropped each other right
 * after identify (AutoNAT v1's dial-back closed the requester's own connection), so bootstrap
 * dials repeated and no node kept a peer. Three default nodes on the lab's "internet" must keep
 * their peers for 90 s, dial their bootstrap peer once, and learn that they are public.
 */

import { publicNetwork, startLab, startLabNode } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab, LabNode } from '../../src/index.js'

const it = labTest('public-network lab test')
const PORT = 4001
const HOLD_MS = 90_000

interface Health {
  num_peers: number
  reachability: string
  autoNAT_status: string
}

interface Peers {
  peers: number
  peer_ids: string[]
}

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

describe('three default nodes on a public network', () => {
  it('keep their connections with AutoNAT on, dial each bootstrap peer once, and say public', async () => {
    lab = await startLab(publicNetwork(3))
    const flags = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--dht-mode', 'server', '--no-mdns']
    const a = await startLabNode(lab, 'node1', { args: flags })
    const bootstrap = ['--bootstrap', a.multiaddr(PORT)]
    const [b, c] = await Promise.all([
      startLabNode(lab, 'node2', { args: [...flags, ...bootstrap] }),
      startLabNode(lab, 'node3', { args: [...flags, ...bootstrap] }),
    ])
    const nodes: LabNode[] = [a, b, c]
    const peersOf = async (node: LabNode): Promise<string[]> =>
      (await node.json<Peers>('/debug/p2p/peers')).body.peer_ids

    await waitFor(
      async () => (await peersOf(a)).length === 2,
      'node1 connected to node2 and node3',
      30_000,
    )

    // hold for 90 s; every few seconds each node must still have the peers it had
    const expected = new Map<LabNode, string[]>([
      [a, [b.peerId, c.peerId]],
      [b, [a.peerId]],
      [c, [a.peerId]],
    ])
    const deadline = Date.now() + HOLD_MS
    while (Date.now() < deadline) {
      for (const node of nodes) {
        expect(await peersOf(node)).toEqual(expect.arrayContaining(expected.get(node)!))
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    }

    for (const node of [b, c]) {
      const m = await node.metrics()
      expect(m.p2p_discovery_bootstrap_attempt_total).toBe(1)
      expect(m.p2p_discovery_bootstrap_success_total).toBe(1)
    }
    // AutoNAT v2 confirmed each node's public address by dialling it back on a fresh connection
    for (const node of nodes) {
      const health = (await node.json<Health>('/debug/p2p/health')).body
      expect({
        host: node.host,
        reachability: health.reachability,
        autoNAT: health.autoNAT_status,
      }).toEqual({
        host: node.host,
        reachability: 'public',
        autoNAT: 'public',
      })
      expect(health.num_peers).toBeGreaterThanOrEqual(1)
    }
    for (const node of nodes) expect(await node.stop()).toBe(0)
  }, 180_000)
})
