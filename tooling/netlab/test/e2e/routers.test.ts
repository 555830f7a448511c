/**
 * The lab's routers and rules do what a real network does: NAT rewrites and keeps the inside
 * unreachable, symmetric NAT gives each destination its own port, firewalls drop or refuse,
 * a segment can drop multicast or lose frames, and a partition cuts and heals.
 */

import {
  inboundFirewall,
  lan,
  natNetwork,
  portFirewall,
  publicNetwork,
  startLab,
} from '../../src/index.js'
import {
  connect as connectFrom,
  labTest,
  listen as listenOn,
  probe as probeOn,
} from '../fixtures/lab.js'
import type { Lab, LabProcess, Topology } from '../../src/index.js'

const it = labTest('netlab router tests')

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

const probe = (host: string, ...args: string[]): LabProcess => probeOn(lab!, host, ...args)
const connect = async (host: string, target: string, port: number): Promise<string> =>
  connectFrom(lab!, host, target, port)
const listen = async (host: string, port: number): Promise<LabProcess> => listenOn(lab!, host, port)

async function start(topology: Topology): Promise<Lab> {
  lab = await startLab(topology)
  return lab
}

describe('lab routers and rules', () => {
  it('masquerade NAT: the inside dials out as the router, keeps its port for every destination, and cannot be dialled', async () => {
    await start(natNetwork({ internetHosts: 2, sites: [{ nat: 'masquerade' }] }))
    const server = await listen('node1', 7000)
    expect(await connect('site1-1', '6.0.0.1', 7000)).toBe('connected')
    await server.waitFor(/accepted 6\.0\.0\.201 \d+/)

    const [w1, w2] = [probe('node1', 'uwho', '7100'), probe('node2', 'uwho', '7100')]
    await Promise.all([w1.waitFor(/listening/), w2.waitFor(/listening/)])
    await probe('site1-1', 'ufrom', '40000', '7100', '6.0.0.1', '6.0.0.2').waitFor(/sent/)
    const [, , port1] = await w1.waitFor(/from (\S+) (\d+)/)
    const [, , port2] = await w2.waitFor(/from (\S+) (\d+)/)
    expect(port1).toBe(port2)

    // no route from the internet into the LAN, and nothing forwarded by the router
    await listen('site1-1', 7000)
    expect(await connect('node1', '10.0.1.11', 7000)).toBe('ENETUNREACH')
    expect(await connect('node1', '6.0.0.201', 7000)).not.toBe('connected')
  }, 60_000)

  it('symmetric NAT: each destination sees a different outside port', async () => {
    await start(natNetwork({ internetHosts: 2, sites: [{ nat: 'symmetric' }] }))
    const [w1, w2] = [probe('node1', 'uwho', '7100'), probe('node2', 'uwho', '7100')]
    await Promise.all([w1.waitFor(/listening/), w2.waitFor(/listening/)])
    await probe('site1-1', 'ufrom', '40000', '7100', '6.0.0.1', '6.0.0.2').waitFor(/sent/)
    const [, from1, port1] = await w1.waitFor(/from (\S+) (\d+)/)
    const [, from2, port2] = await w2.waitFor(/from (\S+) (\d+)/)
    expect([from1, from2]).toEqual(['6.0.0.201', '6.0.0.201'])
    expect(port1).not.toBe(port2)
  }, 60_000)

  it('firewalls: dropped inbound times out, rejected inbound is refused, replies still pass', async () => {
    const topology = publicNetwork(3)
    topology.hosts[1]!.nftables = inboundFirewall('drop')
    topology.hosts[2]!.nftables = inboundFirewall('reject')
    await start(topology)
    await Promise.all([listen('node2', 7000), listen('node3', 7000), listen('node1', 7000)])
    expect(await connect('node1', '6.0.0.2', 7000)).toBe('timeout')
    expect(await connect('node1', '6.0.0.3', 7000)).toBe('ECONNREFUSED')
    // outbound from behind the firewall works, and its replies come back in
    expect(await connect('node2', '6.0.0.1', 7000)).toBe('connected')
  }, 60_000)

  it('a port firewall turns away one port only', async () => {
    const topology = publicNetwork(2)
    topology.hosts[1]!.nftables = portFirewall(7000, 'drop')
    await start(topology)
    await Promise.all([listen('node2', 7000), listen('node2', 7001)])
    expect(await connect('node1', '6.0.0.2', 7000)).toBe('timeout')
    expect(await connect('node1', '6.0.0.2', 7001)).toBe('connected')
  }, 60_000)

  it.each([
    [false, true],
    [true, false],
  ])(
    'multicast on a LAN (dropMulticast %s): heard %s',
    async (dropMulticast, heard) => {
      await start(lan(2, { dropMulticast }))
      const listener = probe('peer2', 'mlisten', '224.0.0.251', '5353', '10.1.0.2')
      await listener.waitFor(/listening/)
      await probe('peer1', 'msend', '224.0.0.251', '5353', '20', '10.1.0.1').waitFor(/sent/)
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(/got 10\.1\.0\.1/.test(listener.stdout())).toBe(heard)
    },
    60_000,
  )

  it('5 % random loss drops about 5 % of frames', async () => {
    const topology = publicNetwork(2)
    topology.segments[0]!.lossPercent = 5
    await start(topology)
    // resolve ARP first: a lost ARP exchange would hold back the whole burst (the kernel queues
    // only a few datagrams per unresolved neighbour); TCP retries its SYN until it gets through
    await listen('node2', 7000)
    let warm = 'not tried'
    for (let attempt = 0; attempt < 5 && warm !== 'connected'; attempt++) {
      warm = await connect('node1', '6.0.0.2', 7000)
    }
    expect(warm).toBe('connected')
    const counter = probe('node2', 'ulisten', '7200')
    await counter.waitFor(/listening/)
    await probe('node1', 'usend', '6.0.0.2', '7200', '2000').waitFor(/sent/, 20_000)
    await new Promise((resolve) => setTimeout(resolve, 500))
    counter.child.kill('SIGTERM')
    const [, received] = await counter.waitFor(/received (\d+)/)
    // 2,000 frames at 5 %: 1,900 expected, sigma about 10; far from both 0 % and 10 %
    expect(Number(received)).toBeGreaterThan(1_800)
    expect(Number(received)).toBeLessThan(1_975)
  }, 60_000)

  it('a partition cuts two hosts apart while others still reach both, then heals', async () => {
    await start(publicNetwork(3))
    await Promise.all([listen('node2', 7000), listen('node3', 7000)])
    expect(await connect('node1', '6.0.0.2', 7000)).toBe('connected')
    const cut = lab!.partition(['node1'], ['node2'])
    expect(await connect('node1', '6.0.0.2', 7000)).toBe('timeout')
    expect(await connect('node1', '6.0.0.3', 7000)).toBe('connected')
    expect(await connect('node3', '6.0.0.2', 7000)).toBe('connected')
    cut.heal()
    expect(await connect('node1', '6.0.0.2', 7000)).toBe('connected')
  }, 60_000)
})
