/**
 * Network-shaped scenarios on the lab, each with real wes-node processes: what the node's JSON
 * and metrics say when the network is cut and healed, or lossy (NAT: nat.test.ts).
 */

import { publicNetwork, startLab, startLabNode } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab, LabNode } from '../../src/index.js'

const it = labTest('lab scenario tests')
const PORT = 4001
const FLAGS = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--dht-mode', 'server', '--no-mdns']
/** Re-dial bootstrap peers at most every 10 s (default 60 s), so healing shows within the test. */
const FAST_RETRY = { discovery: { bootstrapIntervalMs: 2_000, bootstrapMaxIntervalMs: 10_000 } }

interface Peers {
  peer_ids: string[]
}
interface Health {
  status: 'ok' | 'degraded' | 'down'
  reasons: Array<{ code: string; severity: string }>
}
let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

const health = async (node: LabNode): Promise<Health> =>
  (await node.json<Health>('/debug/p2p/health')).body
const codes = (h: Health): string[] => h.reasons.map((r) => r.code)

const peersOf = async (node: LabNode): Promise<string[]> =>
  (await node.json<Peers>('/debug/p2p/peers')).body.peer_ids

/** node1 first, node2 and node3 bootstrapping from it; resolves once node1 has both. */
async function triangle(lab: Lab): Promise<[LabNode, LabNode, LabNode]> {
  const a = await startLabNode(lab, 'node1', { args: FLAGS, config: FAST_RETRY })
  const bootstrap = ['--bootstrap', a.multiaddr(PORT)]
  const [b, c] = await Promise.all(
    ['node2', 'node3'].map(async (host) =>
      startLabNode(lab, host, { args: [...FLAGS, ...bootstrap], config: FAST_RETRY }),
    ),
  )
  await waitFor(async () => (await peersOf(a)).length === 2, 'node1 connected to both', 30_000)
  return [a, b!, c!]
}

describe('lab scenarios', () => {
  it('a partition cut for 60 s: peers drop, then return when healed; gauges back to where they were', async () => {
    lab = await startLab(publicNetwork(3))
    const [a, b, c] = await triangle(lab)
    const before = await a.metrics()
    expect(before.p2p_peers_total).toBe(2)
    const statusBefore = (await health(a)).status
    expect(statusBefore).not.toBe('down')

    const cut = lab.partition(['node1'], ['node2', 'node3'])
    const cutAt = Date.now()
    // libp2p's connection monitor pings every 10 s and closes a connection whose ping fails
    // (each side notices on its own ping)
    await waitFor(
      async () =>
        (await peersOf(a)).length === 0 &&
        !(await peersOf(b)).includes(a.peerId) &&
        !(await peersOf(c)).includes(a.peerId),
      'node1 and the others to lose each other',
      60_000,
    )
    expect((await a.metrics()).p2p_peers_total).toBe(0)
    // the verdict follows: cut off, node1 is down and says why, in the JSON, metrics and CLI
    const cutOff = await health(a)
    expect(cutOff.status).toBe('down')
    expect(codes(cutOff)).toContain('no_peers')
    expect(await a.metricsText()).toMatch(/^p2p_health_status\{status="down"\} 1$/m)
    const diag = await a.cli(['diag', 'health'])
    expect(diag.code).toBe(1)
    expect(diag.stdout).toMatch(/no_peers \(down\)/)
    const attemptsDuringCut = (await b.metrics()).p2p_discovery_bootstrap_attempt_total!
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 60_000 - (Date.now() - cutAt))))
    // while cut, node2 kept re-dialling its bootstrap peer (with backoff), and none connected
    const during = await b.metrics()
    expect(during.p2p_discovery_bootstrap_attempt_total).toBeGreaterThan(attemptsDuringCut)
    expect(during.p2p_discovery_bootstrap_success_total).toBe(1)

    cut.heal()
    await waitFor(
      async () => (await peersOf(a)).length === 2,
      'node1 to have both peers again',
      60_000,
    )
    const after = await a.metrics()
    expect(after.p2p_peers_total).toBe(before.p2p_peers_total)
    const healed = await health(a)
    expect(healed.status).toBe(statusBefore)
    expect(codes(healed)).not.toContain('no_peers')
    expect(await a.metricsText()).toMatch(/^p2p_health_reason\{code="no_peers"\} 0$/m)
    // nothing leaked: both sides may re-dial at once after the heal, and libp2p keeps such a
    // simultaneous pair, so a peer may hold two connections; never more
    expect(after.p2p_connections_total).toBeGreaterThanOrEqual(after.p2p_peers_total!)
    expect(after.p2p_connections_total).toBeLessThanOrEqual(2 * after.p2p_peers_total!)
    for (const node of [b, c]) {
      expect(await peersOf(node)).toContain(a.peerId)
      // reconnected by its own bootstrap re-dial, or by node1 dialling it first: either way
      // at least the first success stands, and no failure was counted as one
      const m = await node.metrics()
      expect(m.p2p_discovery_bootstrap_success_total).toBeGreaterThanOrEqual(1)
      expect(m.p2p_discovery_bootstrap_success_total).toBeLessThanOrEqual(2)
    }
  }, 240_000)

  it('5 % random loss on the internet segment: connections survive 60 s, no bootstrap re-dial', async () => {
    const topology = publicNetwork(3)
    topology.segments[0]!.lossPercent = 5
    lab = await startLab(topology)
    const [a, b, c] = await triangle(lab)
    // the verdict does not flap: every node reads the same status and reasons all along
    const nodes = [a, b, c]
    const first = await Promise.all(nodes.map(async (node) => health(node)))
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      expect(await peersOf(a)).toEqual(expect.arrayContaining([b.peerId, c.peerId]))
      for (const [index, node] of nodes.entries()) {
        const now = await health(node)
        expect({ host: node.host, status: now.status, codes: codes(now) }).toEqual({
          host: node.host,
          status: first[index]!.status,
          codes: codes(first[index]!),
        })
      }
      await new Promise((resolve) => setTimeout(resolve, 5_000))
    }
    for (const node of [b, c]) {
      const m = await node.metrics()
      expect(m.p2p_discovery_bootstrap_attempt_total).toBe(1)
      expect(m.p2p_discovery_bootstrap_success_total).toBe(1)
    }
    // the CLI and the metrics read the same verdict as the JSON did all along
    for (const [index, node] of nodes.entries()) {
      const { status } = first[index]!
      const diag = await node.cli(['diag', 'health'])
      expect(diag.code).toBe(status === 'ok' ? 0 : 1)
      expect(diag.stdout).toMatch(new RegExp(`^status\\s+${status}$`, 'm'))
      expect(await node.metricsText()).toMatch(
        new RegExp(`^p2p_health_status\\{status="${status}"\\} 1$`, 'm'),
      )
    }
  }, 180_000)
})
