/**
 * The health verdict on real networks: each scenario asserts the JSON, the metrics and
 * `wes-node diag health` of real nodes on the lab.
 */

import { inboundFirewall, lan, publicNetwork, startLab, startLabNode } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab, LabNode } from '../../src/index.js'

const it = labTest('lab verdict tests')
const PORT = 4001
const FLAGS = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--dht-mode', 'server', '--no-mdns']
/** Any valid peer ID: the firewalls and the missing host answer before identity matters. */
const SOME_PEER = '12D3KooWAB5preBXwu129t4hjer7WB8C5wP5unsV4V6JdibijoVB'

interface Reason {
  code: string
  severity: string
  message: string
  hint: string
}
interface Health {
  status: 'ok' | 'degraded' | 'down'
  reasons: Reason[]
  reachability: string
  addresses: Array<{ multiaddr: string; reachable: boolean | null; verified_at: string | null }>
  mdns: { enabled: boolean; available: boolean }
}

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

const health = async (node: LabNode): Promise<Health> =>
  (await node.json<Health>('/debug/p2p/health')).body
const codes = (h: Health): string[] => h.reasons.map((r) => r.code)

/** `p2p_dial_errors_total` by reason, the classes that counted at least one failure. */
function dialErrors(text: string): Record<string, number> {
  const errors: Record<string, number> = {}
  for (const match of text.matchAll(/^p2p_dial_errors_total\{reason="([a-z_]+)"\} (\d+)$/gm)) {
    if (Number(match[2]) > 0) errors[match[1]!] = Number(match[2])
  }
  return errors
}

describe('the verdict on the lab', () => {
  it('a public node with three AutoNAT peers: public, ok, its address listed as reachable', async () => {
    lab = await startLab(publicNetwork(4))
    const hub = await startLabNode(lab, 'node1', { args: FLAGS })
    await Promise.all(
      ['node2', 'node3', 'node4'].map(async (host) =>
        startLabNode(lab!, host, { args: [...FLAGS, '--bootstrap', hub.multiaddr(PORT)] }),
      ),
    )
    await waitFor(
      async () => {
        const h = await health(hub)
        return h.reachability === 'public' && h.status === 'ok'
      },
      'node1 public and ok',
      60_000,
    )
    const h = await health(hub)
    expect(h.reasons.filter((r) => r.severity !== 'info')).toEqual([])
    expect(h.addresses).toContainEqual(
      expect.objectContaining({
        multiaddr: expect.stringMatching(/^\/ip4\/6\.0\.0\.1\/tcp\/4001/),
        reachable: true,
      }),
    )
    const text = await hub.metricsText()
    expect(text).toMatch(/^p2p_health_status\{status="ok"\} 1$/m)
    expect(text).toMatch(/^p2p_health_status\{status="down"\} 0$/m)
    expect(text).toMatch(/^p2p_reachability\{state="public"\} 1$/m)
    expect(text).toMatch(/^p2p_addresses\{reachability="reachable"\} [1-9]/m)
    const diag = await hub.cli(['diag', 'health'])
    expect(diag.code).toBe(0)
    expect(diag.stdout).toMatch(/status\s+ok/)
  }, 120_000)

  it('a bootstrap peer behind a dropping firewall, a refusing one, and one that is gone: three classes', async () => {
    const topology = publicNetwork(5)
    topology.hosts[0]!.nftables = inboundFirewall('drop')
    topology.hosts[1]!.nftables = inboundFirewall('reject')
    lab = await startLab(topology)
    const config = { health: { bootstrapFailingMs: 5_000 }, discovery: { dialTimeoutMs: 5_000 } }
    const cases: Array<[host: string, target: string, errorClass: string]> = [
      ['node3', '6.0.0.1', 'timeout'],
      ['node4', '6.0.0.2', 'refused'],
      ['node5', '6.0.0.99', 'no_route'],
    ]
    const nodes = await Promise.all(
      cases.map(async ([host, target]) =>
        startLabNode(lab!, host, {
          args: [...FLAGS, '--bootstrap', `/ip4/${target}/tcp/${PORT}/p2p/${SOME_PEER}`],
          config,
        }),
      ),
    )
    for (const [index, [host, , errorClass]] of cases.entries()) {
      const node = nodes[index]!
      await waitFor(
        async () => codes(await health(node)).includes('bootstrap_unreachable'),
        `${host}: bootstrap_unreachable`,
        60_000,
      )
      const h = await health(node)
      expect(h.status).toBe('down')
      const reason = h.reasons.find((r) => r.code === 'bootstrap_unreachable')!
      expect({ host, message: reason.message }).toEqual({
        host,
        message: expect.stringContaining(`: ${errorClass} (`),
      })
      expect(reason.hint).not.toBe('')
      const text = await node.metricsText()
      expect(text).toMatch(/^p2p_health_reason\{code="bootstrap_unreachable"\} 1$/m)
      // the node's own dial metrics name the same class as the verdict, and no other
      expect({ host, errors: dialErrors(text) }).toEqual({
        host,
        errors: { [errorClass]: expect.any(Number) },
      })
      const diag = await node.cli(['diag', 'health'])
      expect(diag.code).toBe(1)
      expect(diag.stdout).toMatch(/bootstrap_unreachable/)
    }
  }, 180_000)

  it('a LAN whose switch drops multicast: mdns_no_responses, with the socket up', async () => {
    lab = await startLab(lan(2, { dropMulticast: true }))
    const config = { health: { mdnsSilentMs: 5_000 } }
    const args = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--dht-mode', 'server']
    const nodes = await Promise.all(
      ['peer1', 'peer2'].map(async (host) => startLabNode(lab!, host, { args, config })),
    )
    for (const node of nodes) {
      await waitFor(
        async () => codes(await health(node)).includes('mdns_no_responses'),
        `${node.host}: mdns_no_responses`,
        30_000,
      )
      const h = await health(node)
      expect(h.mdns).toMatchObject({ enabled: true, available: true, responses: 0 })
      expect(h.status).toBe('down')
    }
  }, 120_000)
})
