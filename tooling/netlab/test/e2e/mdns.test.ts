/**
 * mDNS where it belongs: on a LAN segment of the lab, never on the machine's own network.
 * Three real nodes find each other by multicast; behind a switch that drops multicast they
 * find nobody, though each one's mDNS socket is up.
 */

import { lan, startLab, startLabNode } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab, LabNode } from '../../src/index.js'

const it = labTest('mDNS lab test')
const FLAGS = ['--listen', '/ip4/0.0.0.0/tcp/4001', '--dht-mode', 'server', '--log-level', 'warn']

interface Health {
  num_peers: number
  mdns: { enabled: boolean; available: boolean; responses: number }
  reasons: Array<{ code: string }>
}

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

async function startAll(lab: Lab): Promise<LabNode[]> {
  return Promise.all(
    ['peer1', 'peer2', 'peer3'].map((host) => startLabNode(lab, host, { args: FLAGS })),
  )
}

describe('mDNS on a lab LAN', () => {
  it('every node finds and connects to every other, each peer found once however often it answers', async () => {
    lab = await startLab(lan(3))
    const nodes = await startAll(lab)
    await waitFor(
      async () => {
        const peers = await Promise.all(
          nodes.map(async (n) => (await n.json<Health>('/debug/p2p/health')).body.num_peers),
        )
        return peers.every((count) => count === 2)
      },
      'every node connected to the two others',
      30_000,
    )
    // each node queries every 10 s and the two others answer: several rounds of answers
    await waitFor(
      async () => {
        const counts = await Promise.all(
          nodes.map(async (n) => (await n.metrics()).p2p_discovery_mdns_responses_total ?? 0),
        )
        return counts.every((count) => count >= 8)
      },
      'several rounds of mDNS answers',
      40_000,
    )
    let finds = 0
    for (const node of nodes) {
      const health = (await node.json<Health>('/debug/p2p/health')).body
      expect(health.mdns).toMatchObject({ enabled: true, available: true })
      expect(health.mdns.responses).toBeGreaterThanOrEqual(1)
      // the verdict has nothing to say about mDNS here, in the JSON, the metrics or the CLI
      const codes = health.reasons.map((r) => r.code)
      expect(codes).not.toContain('mdns_no_responses')
      expect(codes).not.toContain('mdns_unavailable')
      const m = await node.metrics()
      // a find per peer at most, the repeats among the responses; a peer already connected
      // when first heard is no find
      const found = m.p2p_discovery_mdns_peer_found_total ?? Number.NaN
      expect(found).toBeLessThanOrEqual(2)
      expect(m.p2p_discovery_mdns_responses_total).toBeGreaterThanOrEqual(8)
      if (found > 0) expect(m.p2p_discovery_last_mdns_found_unixtime).toBeGreaterThan(0)
      finds += found
      const text = await node.metricsText()
      expect(text).toMatch(/^p2p_health_reason\{code="mdns_no_responses"\} 0$/m)
      expect(text).toMatch(/^p2p_health_reason\{code="no_peers"\} 0$/m)
      const diag = await node.cli(['diag', 'health'])
      expect(diag.stdout).toMatch(/^mdns\.available\s+true$/m)
      expect(diag.stdout).not.toMatch(/mdns_(no_responses|unavailable)/)
    }
    // whoever dialled first had found the other
    expect(finds).toBeGreaterThanOrEqual(1)
    const successes = await Promise.all(
      nodes.map(async (n) => (await n.metrics()).p2p_discovery_mdns_connect_success_total!),
    )
    expect(successes.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3)
  }, 90_000)

  it('behind a switch that drops multicast, nobody is found', async () => {
    lab = await startLab(lan(3, { dropMulticast: true }))
    const nodes = await startAll(lab)
    // mDNS queries at start and every 10 s: wait past two rounds
    await new Promise((resolve) => setTimeout(resolve, 22_000))
    for (const node of nodes) {
      const health = (await node.json<Health>('/debug/p2p/health')).body
      expect(health.num_peers).toBe(0)
      // the socket is up: the silence comes from the network, not from the node
      expect(health.mdns).toMatchObject({ enabled: true, available: true })
      const m = await node.metrics()
      expect(m.p2p_discovery_mdns_peer_found_total).toBe(0)
      expect(m.p2p_discovery_mdns_responses_total).toBe(0)
      expect(m.p2p_discovery_last_mdns_found_unixtime).toBe(0)
      expect(await node.metricsText()).toMatch(/^p2p_health_status\{status="down"\} 1$/m)
      const diag = await node.cli(['diag', 'health'])
      expect(diag.code).toBe(1)
      expect(diag.stdout).toMatch(/no_peers \(down\)/)
    }
  }, 90_000)
})
