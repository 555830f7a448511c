import { createP2PNode } from '../../src/index.js'
import { cleanup, testNode, testOptions, waitFor } from '../fixtures/nodes.js'
import type { NotStartedError, P2PNode } from '../../src/index.js'

afterEach(cleanup)

function snapshotError(node: P2PNode): NotStartedError {
  try {
    node.snapshot()
  } catch (err) {
    return err as NotStartedError
  }
  throw new Error('expected snapshot() to throw')
}

describe('snapshot', () => {
  test('has every key with the right type on a live node', async () => {
    const node = await testNode({ autonat: true, relay: { enabled: true, server: true } })
    const before = Date.now()
    await node.start()
    const s = node.snapshot()

    expect(Object.keys(s).sort()).toEqual(
      [
        'agents',
        'bandwidth',
        'connections',
        'facts',
        'health',
        'hostId',
        'listenAddrs',
        'peerIds',
        'protocols',
        'routing',
      ].sort(),
    )
    expect(s.hostId).toBe(node.peerId)
    expect(s.hostId).toMatch(/^12D3KooW/)
    expect(s.peerIds).toEqual([])
    expect(s.connections).toBe(0)
    expect(s.listenAddrs).toHaveLength(1)
    expect(s.listenAddrs[0]).toMatch(
      new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${node.peerId}$`),
    )
    expect(s.listenAddrs).toEqual(node.getMultiaddrs())
    expect(Object.keys(s.bandwidth).sort()).toEqual(
      ['inRateBytesPerSecond', 'inTotalBytes', 'outRateBytesPerSecond', 'outTotalBytes'].sort(),
    )
    for (const value of Object.values(s.bandwidth)) {
      expect(typeof value).toBe('number')
      expect(Number.isFinite(value)).toBe(true)
    }
    expect(s.health).toEqual({
      reachability: 'unknown',
      autoNATStatus: 'unknown',
      relay: { enabled: true, server: true, reservations: 0 },
      mdns: { enabled: false, available: false },
    })
    expect(s.routing).toEqual({
      routingTableSize: 0,
      mode: 'auto',
      currentMode: 'client',
      bootstrapPeers: 0,
    })
    expect(s.facts.startedAt).toBeGreaterThanOrEqual(before)
    expect(s.facts.startedAt).toBeLessThanOrEqual(Date.now())
    expect(s.facts).toEqual({
      startedAt: s.facts.startedAt,
      thresholds: {
        minPeers: 3,
        bootstrapFailingMs: 60_000,
        mdnsSilentMs: 30_000,
        routingGraceMs: 60_000,
        readyMinPeers: 1,
      },
      bootstrap: [],
      mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null },
      addresses: [
        {
          multiaddr: s.listenAddrs[0],
          reachable: true,
          verifiedAt: null,
          type: 'transport',
          scope: 'private',
        },
      ],
      // nobody has seen the node yet, and no relayed connection exists
      nat: { behindNat: false, externalIps: [], observedBy: 0, since: null },
      holePunch: {
        enabled: true,
        attempts: 0,
        successes: 0,
        failures: 0,
        pending: 0,
        last: null,
        recent: [],
      },
      relay: {
        relayedConnections: 0,
        reservationsCreated: 0,
        reservationsRemoved: 0,
        serverReservations: 0,
      },
      inboundRefused: {
        maxPending: 10,
        maxConnections: 300,
        reasons: {
          pending_limit: { count: 0, lastAt: null },
          rate_limit: { count: 0, lastAt: null },
          max_connections: { count: 0, lastAt: null },
          denied: { count: 0, lastAt: null },
        },
      },
    })
    // JSON round trip: plain data only
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  })

  test('two server-mode nodes fill each other’s routing table', async () => {
    const a = await testNode({ dht: { mode: 'server' } })
    await a.start()
    const b = await testNode({ dht: { mode: 'server' }, bootstrap: [a.getMultiaddrs()[0] ?? ''] })
    await b.start()

    await waitFor(
      () => a.snapshot().routing.routingTableSize > 0 && b.snapshot().routing.routingTableSize > 0,
      'both routing tables to hold the other node',
    )
    expect(a.snapshot().routing).toEqual({
      routingTableSize: 1,
      mode: 'server',
      currentMode: 'server',
      bootstrapPeers: 0,
    })
    expect(b.snapshot().routing).toEqual({
      routingTableSize: 1,
      mode: 'server',
      currentMode: 'server',
      bootstrapPeers: 1,
    })
    expect(a.snapshot().connections).toBe(1)
    expect(a.snapshot().peerIds).toEqual([b.peerId])
  })

  test('follows connections as they open and close, without waiting for any cache to expire', async () => {
    const a = await testNode()
    const b = await testNode()
    await Promise.all([a.start(), b.start()])
    expect(a.snapshot()).toMatchObject({ connections: 0, peerIds: [] })

    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0] ?? a.libp2p.peerId)
    expect(b.snapshot()).toMatchObject({ connections: 1, peerIds: [a.peerId] })
    await waitFor(() => a.snapshot().connections === 1, 'A to count the inbound connection')

    await b.libp2p.hangUp(a.libp2p.peerId)
    expect(b.snapshot()).toMatchObject({ connections: 0, peerIds: [] })
    await waitFor(() => a.snapshot().connections === 0, 'A to see the connection close')
    expect(a.snapshot().peerIds).toEqual([])

    // a snapshot is the caller's own: changing it changes nothing in the node
    const taken = b.snapshot()
    taken.peerIds.push('someone')
    taken.listenAddrs.sort()
    expect(b.snapshot().peerIds).toEqual([])
  })

  test('a dead bootstrap peer: its failures, their class and since when, until it connects', async () => {
    const gone = await testNode()
    await gone.start()
    const deadAddr = gone.getMultiaddrs()[0] ?? ''
    await gone.stop()
    const options = await testOptions({
      bootstrap: [deadAddr],
      health: { bootstrapFailingMs: 500 },
    })
    const node = await testNode(options)
    await node.start()
    await waitFor(
      () => (node.snapshot().facts.bootstrap[0]?.lastDialAt ?? 0) > 0,
      'the first bootstrap dial to fail',
    )
    const [first] = node.snapshot().facts.bootstrap
    expect(first).toEqual({
      peerId: gone.peerId,
      multiaddr: deadAddr,
      connected: false,
      lastOutcome: 'failure',
      lastDialAt: expect.any(Number),
      errorClass: 'refused',
      error: expect.stringContaining('ECONNREFUSED'),
      failingSince: first?.lastDialAt,
    })
    expect(node.snapshot().facts.thresholds.bootstrapFailingMs).toBe(500)

    // retries keep the start of the run of failures
    await waitFor(
      () => (node.snapshot().facts.bootstrap[0]?.lastDialAt ?? 0) > (first?.lastDialAt ?? 0),
      'a retry',
    )
    expect(node.snapshot().facts.bootstrap[0]?.failingSince).toBe(first?.failingSince)
  })

  test('client mode stays a DHT client', async () => {
    const node = await testNode({ dht: { mode: 'client' } })
    await node.start()
    expect(node.snapshot().routing).toMatchObject({ mode: 'client', currentMode: 'client' })
  })

  test('throws NotStartedError before start and after stop; start and stop are idempotent', async () => {
    const node = await testNode()
    expect(node.status).toBe('stopped')
    const before = snapshotError(node)
    expect(before.name).toBe('NotStartedError')
    expect(before.code).toBe('ERR_NOT_STARTED')

    await Promise.all([node.start(), node.start()])
    await node.start()
    expect(node.status).toBe('started')
    expect(() => node.snapshot()).not.toThrow()

    await Promise.all([node.stop(), node.stop()])
    await node.stop()
    expect(node.status).toBe('stopped')
    expect(snapshotError(node).code).toBe('ERR_NOT_STARTED')
  })

  test('restart keeps the peer ID: same node, and a new node on the same data directory', async () => {
    const options = await testOptions()
    const node = await createP2PNode(options)
    const peerId = node.peerId
    try {
      await node.start()
      await node.stop()
      await node.start()
      expect(node.snapshot().hostId).toBe(peerId)
    } finally {
      await node.stop()
    }

    const again = await testNode(options)
    expect(again.peerId).toBe(peerId)
    await again.start()
    expect(again.snapshot().hostId).toBe(peerId)
  })
})
