/**
 * The per-peer, per-connection and per-bucket detail of a node among three real nodes on
 * 127.0.0.1: B dials A, A dials C, and A sends a known amount to C on a known protocol.
 */

import { cleanup, testNode, waitFor } from '../fixtures/nodes.js'
import type { P2PNode, PeerDetails } from '../../src/index.js'
import type { Stream } from '@libp2p/interface'

afterEach(cleanup)

const PROTOCOL = '/wes-test/sink/1.0.0'
const SIZE = 256 * 1024
const CHUNK = 16 * 1024

async function sendAll(stream: Stream, total: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK).fill(0x5a)
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (!stream.send(chunk.subarray(0, Math.min(CHUNK, total - sent)))) await stream.onDrain()
  }
}

async function dial(from: P2PNode, to: P2PNode): Promise<void> {
  await from.libp2p.dial(to.libp2p.getMultiaddrs()[0] ?? to.libp2p.peerId)
}

/** A with B (inbound, first) and C (outbound, second), all DHT servers, identify done. */
async function threeNodes(): Promise<{ a: P2PNode; b: P2PNode; c: P2PNode }> {
  const [a, b, c] = await Promise.all([0, 1, 2].map(() => testNode({ dht: { mode: 'server' } })))
  if (a === undefined || b === undefined || c === undefined) throw new Error('no nodes')
  await Promise.all([a.start(), b.start(), c.start()])
  await dial(b, a)
  await waitFor(() => a.snapshot().connections === 1, 'A to see B')
  await dial(a, c)
  await waitFor(() => a.snapshot().connections === 2, 'A to see C')
  // identify fills the peer store: agent and protocols
  let peers: PeerDetails[] = []
  const deadline = Date.now() + 10_000
  while (!(peers.length === 2 && peers.every((p) => p.agent !== null))) {
    if (Date.now() > deadline)
      throw new Error(`identify did not complete: ${JSON.stringify(peers)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    peers = (await a.peerDetails()).items
  }
  return { a, b, c }
}

describe('node details', () => {
  test('peers: direction, agent, protocols, addresses, bytes of a known transfer; paged', async () => {
    const { a, b, c } = await threeNodes()
    let received = 0
    await c.libp2p.handle(PROTOCOL, async (stream) => {
      for await (const buf of stream) received += buf.byteLength
      await stream.close()
    })
    const stream = await a.libp2p.dialProtocol(c.libp2p.peerId, PROTOCOL)
    await sendAll(stream, SIZE)
    await stream.close()
    await waitFor(() => received === SIZE, 'C to receive the transfer')

    const page = await a.peerDetails()
    expect(page).toMatchObject({ total: 2, limit: 100, offset: 0 })
    const [first, second] = page.items
    // the longest connected first
    expect(first?.peerId).toBe(b.peerId)
    expect(second?.peerId).toBe(c.peerId)
    expect(first?.connectedSince).toBeLessThanOrEqual(second?.connectedSince ?? 0)
    expect(first).toMatchObject({ direction: 'inbound', relayed: false, connections: 1 })
    expect(second).toMatchObject({ direction: 'outbound', relayed: false, connections: 1 })
    for (const peer of page.items) {
      expect(peer.agent).toMatch(/^js-libp2p\//)
      expect(peer.protocols).toEqual(expect.arrayContaining(['/ipfs/ping/1.0.0', '/ipfs/id/1.0.0']))
      expect(peer.latencyMs === null || peer.latencyMs >= 0).toBe(true)
    }
    expect(second?.protocols).toContain(PROTOCOL)
    expect(second?.addresses).toContain(c.libp2p.getMultiaddrs()[0]?.decapsulate('/p2p').toString())
    // the transfer crossed A's connection to C, with noise and yamux framing on top
    expect(second?.outBytes).toBeGreaterThan(SIZE)
    expect(second?.outBytes).toBeLessThan(SIZE * 1.1)
    expect(first?.outBytes).toBeLessThan(SIZE / 4)
    expect(first?.inBytes).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(page))).toEqual(page)

    // a page: the total stays, the items are cut
    expect(await a.peerDetails({ limit: 1 })).toMatchObject({
      total: 2,
      limit: 1,
      offset: 0,
      items: [{ peerId: b.peerId }],
    })
    expect(await a.peerDetails({ limit: 1, offset: 1 })).toMatchObject({
      total: 2,
      items: [{ peerId: c.peerId }],
    })
    expect((await a.peerDetails({ offset: 5 })).items).toEqual([])
  })

  test('connections: id, peer, address, direction, transport, encryption, muxer, streams; bytes add up to the totals', async () => {
    const { a, b, c } = await threeNodes()
    await c.libp2p.handle(PROTOCOL, async (stream) => {
      for await (const buf of stream) void buf
    })
    // one stream held open on the connection to C
    const stream = await a.libp2p.dialProtocol(c.libp2p.peerId, PROTOCOL)
    await sendAll(stream, CHUNK)

    const totals = a.bandwidth.totals()
    const page = await a.connectionDetails()
    expect(page).toMatchObject({ total: 2, limit: 100, offset: 0 })
    const [toB, toC] = page.items
    expect(toB).toMatchObject({
      peerId: b.peerId,
      direction: 'inbound',
      transport: 'tcp',
      encryption: '/noise',
      muxer: '/yamux/1.0.0',
      relayed: false,
      limited: false,
    })
    expect(toC).toMatchObject({
      peerId: c.peerId,
      remoteAddr: c.libp2p.getMultiaddrs()[0]?.toString(),
      direction: 'outbound',
      transport: 'tcp',
    })
    expect(toC?.streams[PROTOCOL]).toBe(1)
    expect(typeof toC?.id).toBe('string')
    expect(toC?.id).not.toBe(toB?.id)
    expect(toB?.openedAt).toBeLessThanOrEqual(toC?.openedAt ?? 0)
    // every byte on the wire is some connection's, and no connection closed
    const sum = (key: 'inBytes' | 'outBytes'): number =>
      page.items.reduce((s, conn) => s + (conn[key] ?? 0), 0)
    expect(sum('inBytes')).toBe(totals.inTotalBytes)
    expect(sum('outBytes')).toBe(totals.outTotalBytes)

    expect(await a.connectionDetails({ limit: 1, offset: 1 })).toMatchObject({
      total: 2,
      items: [{ peerId: c.peerId }],
    })
    stream.abort(new Error('done'))
  })

  test('routing: the k-buckets with their fill', async () => {
    const { a } = await threeNodes()
    await waitFor(() => a.snapshot().routing.routingTableSize === 2, 'B and C in the table')
    const page = await a.routingDetails()
    // two peers never split the first bucket
    expect(page).toEqual({
      total: 1,
      limit: 100,
      offset: 0,
      items: [
        {
          prefix: '',
          depth: 0,
          commonPrefixLength: 0,
          containsSelf: true,
          peers: 2,
          capacity: 20,
          lastPingAt: expect.any(Number),
          lastRefreshAt: null,
        },
      ],
    })
    expect(page.items[0]?.lastPingAt).toBeLessThanOrEqual(Date.now())
  })

  test('latency: the connection monitor’s round trip, once it pinged (every 10 s)', async () => {
    const a = await testNode()
    const b = await testNode()
    await Promise.all([a.start(), b.start()])
    await dial(b, a)
    await waitFor(() => a.snapshot().connections === 1, 'A to see B')
    const before = await a.peerDetails()
    expect(before.items[0]?.latencyMs).toBeNull()
    let latency: number | null = null
    const deadline = Date.now() + 25_000
    while (latency === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      latency = (await a.peerDetails()).items[0]?.latencyMs ?? null
    }
    expect(latency).not.toBeNull()
    expect(latency).toBeGreaterThanOrEqual(0)
    expect(latency).toBeLessThan(5_000)
    const [conn] = (await a.connectionDetails()).items
    expect(conn?.rttMs).toBe(latency)
  }, 40_000)

  test('refuses a bad page and a node that is not started', async () => {
    const node = await testNode()
    await expect(node.peerDetails()).rejects.toMatchObject({ name: 'NotStartedError' })
    await node.start()
    await expect(node.peerDetails({ limit: 0 })).rejects.toThrow(RangeError)
    await expect(node.connectionDetails({ limit: 1001 })).rejects.toThrow(/limit/)
    await expect(node.routingDetails({ offset: -1 })).rejects.toThrow(/offset/)
    await expect(node.routingDetails({ limit: 1.5 })).rejects.toThrow(/limit/)
    expect(await node.peerDetails()).toEqual({ total: 0, limit: 100, offset: 0, items: [] })
    expect(await node.connectionDetails()).toEqual({ total: 0, limit: 100, offset: 0, items: [] })
    await node.stop()
    await expect(node.connectionDetails()).rejects.toMatchObject({ code: 'ERR_NOT_STARTED' })
  })
})
