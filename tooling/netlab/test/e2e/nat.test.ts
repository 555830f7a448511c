/**
 * Nodes behind NAT on the lab, each a real wes-node process: what a NATed node says of itself
 * with a relay and without one, and what two NATed nodes report of their hole punch.
 */

import { natNetwork, startLab, startLabNode } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab, LabNode } from '../../src/index.js'

const it = labTest('lab NAT tests')
const PORT = 4001
const FLAGS = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--dht-mode', 'server', '--no-mdns']
/** Listen on TCP and through a relay: the node reserves a slot on its relay peers. */
const RELAYED_FLAGS = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '/p2p-circuit', '--no-mdns']
/** A NATed node with one or two peers is fine here: the NAT is what is judged. */
const FEW_PEERS = { discovery: { minPeers: 1 } }

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
  relay_stats: { reservations: number }
  addresses: Array<{ multiaddr: string; reachable: boolean | null; type: string; scope: string }>
  nat: { behind_nat: boolean; external_ips: string[]; observed_by: number }
  hole_punch: {
    enabled: boolean
    attempts: number
    successes: number
    failures: number
    pending: number
    last: { peer_id: string; outcome: string; cause: string | null; address: string | null } | null
  }
}
interface Stats {
  listen_addrs: string[]
}

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

const health = async (node: LabNode): Promise<Health> =>
  (await node.json<Health>('/debug/p2p/health')).body
const reasonOf = (h: Health, code: string): Reason | undefined =>
  h.reasons.find((r) => r.code === code)
/** The value of one series (`name{labels}` as exposed) in a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

const peersOf = async (node: LabNode): Promise<string[]> =>
  (await node.json<{ peer_ids: string[] }>('/debug/p2p/peers')).body.peer_ids

/** The node's listen address through `relay`, once it holds a reservation there. */
async function circuitOf(node: LabNode, relay: LabNode): Promise<string> {
  let circuit: string | undefined
  await waitFor(
    async () => {
      const { listen_addrs } = (await node.json<Stats>('/debug/p2p/stats')).body
      circuit = listen_addrs.find((addr) => addr.includes(`/p2p/${relay.peerId}/p2p-circuit/`))
      return circuit !== undefined
    },
    `${node.host}: a /p2p-circuit listen address through the relay`,
    30_000,
  )
  return circuit!
}

describe('behind NAT on the lab', () => {
  it('a home NAT with a relay: private, a reservation, a /p2p-circuit address, reachable through it, the relay named', async () => {
    lab = await startLab(natNetwork({ internetHosts: 2, sites: [{ nat: 'masquerade' }] }))
    const relay = await startLabNode(lab, 'node1', { args: [...FLAGS, '--relay-server'] })
    const natted = await startLabNode(lab, 'site1-1', {
      args: [...RELAYED_FLAGS, '--bootstrap', relay.multiaddr(PORT)],
      config: FEW_PEERS,
    })
    const circuit = await circuitOf(natted, relay)
    expect(circuit).toMatch(/^\/ip4\/6\.0\.0\.1\/tcp\/4001\/p2p\/\S+\/p2p-circuit\/p2p\//)
    await waitFor(
      async () => reasonOf(await health(natted), 'reachable_via_relay') !== undefined,
      'site1-1: reachable_via_relay',
      30_000,
    )
    const h = await health(natted)
    expect(h.reachability).toBe('private')
    expect(h.relay_stats.reservations).toBeGreaterThanOrEqual(1)
    // the relay sees the node at its router's outside address
    expect(h.nat).toMatchObject({ behind_nat: true, external_ips: ['6.0.0.201'] })
    const reason = reasonOf(h, 'reachable_via_relay')!
    expect(reason.severity).toBe('info')
    expect(reason.message).toContain('behind a NAT')
    expect(reason.message).toContain(`through the relay ${relay.peerId}`)
    // the relayed address is listed, and the router's address is offered for AutoNAT to check
    // but never confirmed: nothing forwards the port
    expect(h.addresses).toContainEqual(expect.objectContaining({ scope: 'relay' }))
    expect(h.addresses).toContainEqual(
      expect.objectContaining({
        multiaddr: expect.stringMatching(/^\/ip4\/6\.0\.0\.201\/tcp\/4001\//),
        type: 'ip-mapping',
      }),
    )
    expect(h.addresses.filter((a) => a.reachable === true && a.scope === 'public')).toEqual([])

    // a third node on the internet reaches the NATed node through its circuit address
    const third = await startLabNode(lab, 'node2', { args: [...FLAGS, '--bootstrap', circuit] })
    await waitFor(
      async () => (await peersOf(natted)).includes(third.peerId),
      'node2 connected to the NATed node through the relay',
      30_000,
    )
    expect((await third.metrics()).p2p_discovery_bootstrap_success_total).toBe(1)
    const text = await natted.metricsText()
    expect(text).toMatch(/^p2p_health_reason\{code="reachable_via_relay"\} 1$/m)
    // the metrics say the same: private, a reservation made and held, a relayed connection open
    expect(sample(text, 'p2p_reachability{state="private"}')).toBe(1)
    expect(sample(text, 'p2p_reachability{state="public"}')).toBe(0)
    expect(sample(text, 'p2p_relay_reservations')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'p2p_relay_reservations_total{event="made"}')).toBeGreaterThanOrEqual(1)
    // node2 has a public address, so DCUtR tries a unilateral upgrade: the NATed node dials it
    // directly; the relayed connection stays only if that fails
    await waitFor(
      async () => {
        const { hole_punch: punch } = await health(natted)
        return punch.attempts >= 1 && punch.pending === 0
      },
      'the hole punch with node2 judged',
      45_000,
    )
    const { hole_punch: punch } = await health(natted)
    const after = await natted.metricsText()
    if (punch.last?.outcome === 'success') {
      expect(punch.last.peer_id).toBe(third.peerId)
      expect(punch.last.address).toMatch(/^\/ip4\/6\.0\.0\.2\/tcp\/4001/)
      expect(sample(after, 'p2p_holepunch_total{outcome="success"}')).toBeGreaterThanOrEqual(1)
    } else {
      expect(sample(after, 'p2p_relayed_connections')).toBeGreaterThanOrEqual(1)
    }
    expect(await peersOf(natted)).toContain(third.peerId)
    expect(sample(text, 'p2p_addresses{reachability="reachable"}')).toBeGreaterThanOrEqual(1)
    // and the relay counts the reservation it serves
    const relayText = await relay.metricsText()
    expect(sample(relayText, 'p2p_relay_server_reservations')).toBeGreaterThanOrEqual(1)
    expect(sample(relayText, 'p2p_reachability{state="private"}')).toBe(0)
    const diag = await natted.cli(['diag', 'health'])
    expect(diag.stdout).toMatch(/reachable_via_relay \(info\): .*behind a NAT/)
  }, 150_000)

  it('a home NAT without a relay: private, degraded, not_reachable_no_relay with a hint', async () => {
    lab = await startLab(natNetwork({ internetHosts: 1, sites: [{ nat: 'masquerade' }] }))
    const peer = await startLabNode(lab, 'node1', { args: FLAGS })
    const natted = await startLabNode(lab, 'site1-1', {
      args: [...FLAGS.slice(0, 2), '--no-mdns', '--bootstrap', peer.multiaddr(PORT)],
      config: FEW_PEERS,
    })
    await waitFor(
      async () => reasonOf(await health(natted), 'not_reachable_no_relay') !== undefined,
      'site1-1: not_reachable_no_relay',
      30_000,
    )
    const h = await health(natted)
    expect(h.reachability).toBe('private')
    expect(h.status).toBe('degraded')
    const reason = reasonOf(h, 'not_reachable_no_relay')!
    expect(reason.severity).toBe('degraded')
    expect(reason.message).toMatch(/^it is behind a NAT \(1 peer sees it at 6\.0\.0\.201, /)
    expect(reason.hint).toContain('forward TCP port 4001')
    expect(reason.hint).toContain('/p2p-circuit')
    expect(await natted.metricsText()).toMatch(
      /^p2p_health_reason\{code="not_reachable_no_relay"\} 1$/m,
    )
    expect(await natted.metricsText()).toMatch(/^p2p_health_status\{status="degraded"\} 1$/m)
    const diag = await natted.cli(['diag', 'health'])
    expect(diag.code).toBe(1)
    expect(diag.stdout).toMatch(/status\s+degraded/)
    expect(diag.stdout).toMatch(/not_reachable_no_relay \(degraded\): it is behind a NAT/)
    expect(diag.stdout).toMatch(/hint: forward TCP port 4001/)
  }, 120_000)

  it('two nodes behind NATs: they connect through the relay, a hole punch is tried, and its outcome is reported', async () => {
    lab = await startLab(
      natNetwork({ internetHosts: 1, sites: [{ nat: 'masquerade' }, { nat: 'masquerade' }] }),
    )
    const relay = await startLabNode(lab, 'node1', { args: [...FLAGS, '--relay-server'] })
    const a = await startLabNode(lab, 'site1-1', {
      args: [...RELAYED_FLAGS, '--bootstrap', relay.multiaddr(PORT)],
      config: FEW_PEERS,
    })
    const circuitA = await circuitOf(a, relay)
    const b = await startLabNode(lab, 'site2-1', {
      args: [...RELAYED_FLAGS, '--bootstrap', relay.multiaddr(PORT), circuitA],
      config: FEW_PEERS,
    })
    await waitFor(
      async () => (await peersOf(a)).includes(b.peerId),
      'site1-1 and site2-1 connected through the relay',
      45_000,
    )
    // DCUtR starts once both have identified each other over the relayed connection, and the
    // node judges it within 30 s
    await waitFor(
      async () => {
        const [ha, hb] = [await health(a), await health(b)]
        return (
          [ha, hb].some((h) => h.hole_punch.attempts > 0) &&
          [ha, hb].every((h) => h.hole_punch.pending === 0)
        )
      },
      'a hole punch tried and judged',
      60_000,
    )
    for (const [node, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const { hole_punch: punch, reasons } = await health(node)
      expect(punch.enabled).toBe(true)
      // the metrics carry the same counts as the JSON
      const text = await node.metricsText()
      expect(sample(text, 'p2p_holepunch_total{outcome="success"}')).toBe(punch.successes)
      expect(sample(text, 'p2p_holepunch_total{outcome="failure"}')).toBe(punch.failures)
      expect(
        (sample(text, 'p2p_holepunch_duration_seconds_count{outcome="success"}') ?? 0) +
          (sample(text, 'p2p_holepunch_duration_seconds_count{outcome="failure"}') ?? 0),
      ).toBe(punch.successes + punch.failures)
      if (punch.last === null) continue
      expect(punch.last.peer_id).toBe(other.peerId)
      if (punch.last.outcome === 'success') {
        // a direct connection: to the other site's router, never through the relay
        expect(punch.last.address).toMatch(/^\/ip4\/6\.0\.0\.20[12]\/tcp\//)
        expect(reasons.map((r) => r.code)).not.toContain('hole_punch_failing')
      } else {
        // what js-libp2p does today: neither NATed node has a public address to punch with
        expect(punch.last.cause).toBe('no_public_address')
        expect(reasons).toContainEqual(
          expect.objectContaining({ code: 'hole_punch_failing', severity: 'info' }),
        )
        // the relayed connection stays
        expect(await peersOf(node)).toContain(other.peerId)
        const diag = await node.cli(['diag', 'health'])
        expect(diag.stdout).toMatch(/hole_punch_failing \(info\): the last hole punch, with /)
      }
    }
  }, 180_000)
})
