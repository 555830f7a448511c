import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { SLOTS, spreadConnectionMonitor } from '../../src/node/connection-monitor.js'
import type { SpreadConnectionMonitor } from '../../src/node/connection-monitor.js'
import { waitFor } from '../fixtures/nodes.js'

const PING = '/ipfs/ping/1.0.0'
const started: Libp2p[] = []

async function node(services: Record<string, unknown>, connectionMonitor = false): Promise<Libp2p> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionMonitor: { enabled: connectionMonitor },
    services: services as never,
  })
  started.push(libp2p)
  return libp2p
}

afterEach(async () => {
  await Promise.all(started.splice(0).map(async (n) => n.stop()))
})

describe('the spread connection monitor', () => {
  test('pings each connection once a period, a slot of the period at a time, and sets its rtt', async () => {
    // a period of 2 s: a tick every 20 ms
    const monitored = await node({
      identify: identify(),
      ping: ping(),
      connectionMonitor: spreadConnectionMonitor({ pingInterval: 2_000 }),
    })
    // peers that count the pings they answer (the monitored node's pings, nobody else's)
    const peers = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async () => node({ identify: identify() })),
    )
    const pings = new Map<string, number[]>()
    for (const peer of peers) {
      const times: number[] = []
      pings.set(peer.peerId.toString(), times)
      await peer.handle(PING, async (stream) => {
        times.push(performance.now())
        for await (const chunk of stream) stream.send(chunk)
        await stream.close()
      })
      await monitored.dial(peer.getMultiaddrs()[0] ?? peer.peerId)
    }
    await waitFor(
      () => monitored.getConnections().every((c) => c.rtt !== undefined),
      'every connection has a round trip',
      { timeoutMs: 30_000 },
    )
    // three pings each at least, a period apart (a tick never comes early, so a slot comes back
    // no sooner than a period after it was served): no connection pinged twice in a period
    await waitFor(
      () => [...pings.values()].every((times) => times.length >= 3),
      'three pings of every peer',
      { timeoutMs: 60_000 },
    )
    for (const [peer, times] of pings) {
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
      expect({ peer, shortest: Math.min(...gaps) >= 1_000 }).toEqual({ peer, shortest: true })
    }
    // each connection has a slot of its own: they are pinged in different ticks, not at once
    const monitor = (monitored.services as { connectionMonitor: SpreadConnectionMonitor })
      .connectionMonitor
    const slots = monitored.getConnections().map((c) => monitor.slotOf(c))
    expect(new Set(slots).size).toBe(peers.length)
    expect(slots.every((slot) => slot !== undefined && slot >= 0 && slot < SLOTS)).toBe(true)
    expect(monitored.getConnections()).toHaveLength(peers.length)
    // a closed connection leaves its slot: the monitor keeps no connection that is gone
    const [gone] = monitored.getConnections()
    await gone?.close()
    await waitFor(() => monitored.getConnections().length === peers.length - 1, 'one closed', {
      timeoutMs: 10_000,
    })
    expect(gone !== undefined && monitor.slotOf(gone)).toBeUndefined()
  }, 120_000)

  test('a peer without ping keeps its connection and gets half the refusal time as rtt', async () => {
    const monitored = await node({
      identify: identify(),
      connectionMonitor: spreadConnectionMonitor({ pingInterval: 1_000 }),
    })
    const silent = await node({ identify: identify() })
    await monitored.dial(silent.getMultiaddrs()[0] ?? silent.peerId)
    await waitFor(
      () => monitored.getConnections()[0]?.rtt !== undefined,
      'a round trip from the refusal',
      { timeoutMs: 30_000 },
    )
    // more periods: the refusal is no failure, the connection stays
    await new Promise((resolve) => setTimeout(resolve, 2_500))
    expect(monitored.getConnections().map((c) => c.status)).toEqual(['open'])
  }, 60_000)

  test('a connection whose pings fail is aborted', async () => {
    const monitored = await node({
      identify: identify(),
      connectionMonitor: spreadConnectionMonitor({ pingInterval: 1_000 }),
    })
    const broken = await node({ identify: identify() })
    // accepts the ping stream and resets it: the ping fails
    await broken.handle(PING, (stream) => {
      stream.abort(new Error('no echo here'))
    })
    await monitored.dial(broken.getMultiaddrs()[0] ?? broken.peerId)
    await waitFor(() => monitored.getConnections().length === 0, 'the connection aborted', {
      timeoutMs: 30_000,
    })
  }, 60_000)
})
