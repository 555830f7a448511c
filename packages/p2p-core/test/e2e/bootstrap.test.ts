import { multiaddr } from '@multiformats/multiaddr'
import { createP2PNode } from '../../src/index.js'
import { cleanup, testNode, testOptions, waitFor } from '../fixtures/nodes.js'
import type { DiscoveryCallbacks, P2PNode } from '../../src/index.js'

afterEach(cleanup)

interface Recorded {
  attempts: string[]
  successes: string[]
  failures: Array<{ peerId: string; error: Error }>
}

function record(node: P2PNode): Recorded {
  const recorded: Recorded = { attempts: [], successes: [], failures: [] }
  const callbacks: DiscoveryCallbacks = {
    onBootstrapAttempt: (peerId) => recorded.attempts.push(peerId),
    onBootstrapSuccess: (peerId) => recorded.successes.push(peerId),
    onBootstrapFailure: (peerId, error) => recorded.failures.push({ peerId, error }),
  }
  node.discovery.setDiagnosticsCallbacks(callbacks)
  return recorded
}

function portOf(address: string): number {
  return Number(
    multiaddr(address)
      .getComponents()
      .find((c) => c.name === 'tcp')?.value,
  )
}

describe('bootstrap', () => {
  test('B and C bootstrap from A: callbacks fire and both connect to A', async () => {
    const a = await testNode({ dht: { mode: 'server' } })
    await a.start()
    const bootstrap = [a.getMultiaddrs()[0] ?? '']

    const b = await testNode({ bootstrap, dht: { mode: 'server' } })
    const c = await testNode({ bootstrap, dht: { mode: 'server' } })
    const recordedB = record(b)
    const recordedC = record(c)
    // a callback that throws must not break discovery
    c.discovery.setDiagnosticsCallbacks({
      onBootstrapAttempt: (peerId) => {
        recordedC.attempts.push(peerId)
        throw new Error('diagnostics broke')
      },
      onBootstrapSuccess: (peerId) => recordedC.successes.push(peerId),
    })

    await Promise.all([b.start(), c.start()])
    await waitFor(
      () => recordedB.successes.length > 0 && recordedC.successes.length > 0,
      'bootstrap successes',
    )

    for (const recorded of [recordedB, recordedC]) {
      expect(recorded.attempts).toEqual([a.peerId])
      expect(recorded.successes).toEqual([a.peerId])
      expect(recorded.failures).toEqual([])
    }
    await waitFor(() => a.snapshot().peerIds.length === 2, 'A to see B and C')
    expect(a.snapshot().peerIds.sort()).toEqual([b.peerId, c.peerId].sort())
    expect(b.snapshot().peerIds).toEqual([a.peerId])
    expect(c.snapshot().peerIds).toEqual([a.peerId])
    expect(b.snapshot().routing.bootstrapPeers).toBe(1)
    expect(b.discovery.stats()).toMatchObject({
      bootstrapAttempts: 1,
      bootstrapSuccesses: 1,
      bootstrapFailures: 0,
    })
  })

  test('a dead bootstrap peer: attempts rise with backoff, successes stay 0, then it comes back', async () => {
    // learn a valid identity and a port, then close that port by stopping the node
    const deadOptions = await testOptions()
    const dead = await createP2PNode(deadOptions)
    await dead.start()
    const deadAddr = dead.getMultiaddrs()[0] ?? ''
    const port = portOf(deadAddr)
    await dead.stop()

    const node = await testNode({
      bootstrap: [deadAddr],
      discovery: {
        minPeers: 1,
        bootstrapIntervalMs: 200,
        bootstrapMaxIntervalMs: 800,
        dialTimeoutMs: 1_000,
      },
    })
    const recorded = record(node)
    const attemptTimes: number[] = []
    node.discovery.addEventListener('bootstrap:attempt', () => attemptTimes.push(Date.now()))
    await node.start()

    await waitFor(() => recorded.failures.length >= 4, 'four failed bootstrap dials', {
      timeoutMs: 10_000,
    })
    expect(recorded.attempts.length).toBeGreaterThanOrEqual(4)
    expect(recorded.attempts.every((id) => id === dead.peerId)).toBe(true)
    expect(recorded.successes).toEqual([])
    expect(recorded.failures[0]?.peerId).toBe(dead.peerId)
    expect(recorded.failures[0]?.error).toBeInstanceOf(Error)
    expect(node.status).toBe('started')
    expect(node.snapshot().connections).toBe(0)
    // the delay grows: the gap before the fourth attempt exceeds the first gap
    const gaps = attemptTimes.slice(1).map((t, i) => t - (attemptTimes[i] ?? t))
    expect(gaps.length).toBeGreaterThanOrEqual(3)
    expect(gaps[2] ?? 0).toBeGreaterThan(gaps[0] ?? 0)
    expect(node.discovery.nextBootstrapDelayMs()).toBeLessThanOrEqual(800)

    // the peer comes back with the same identity on the same port
    const revived = await createP2PNode({ ...deadOptions, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
    try {
      expect(revived.peerId).toBe(dead.peerId)
      await revived.start()
      await waitFor(() => recorded.successes.length > 0, 'the revived bootstrap peer to connect', {
        timeoutMs: 10_000,
      })
      expect(recorded.successes).toEqual([dead.peerId])
      expect(node.snapshot().peerIds).toEqual([dead.peerId])
      // satisfied (1 peer >= minPeers 1): no more rounds are scheduled
      await waitFor(
        () => node.discovery.nextBootstrapDelayMs() === undefined,
        'the schedule to go idle',
        { timeoutMs: 3_000 },
      )
      const attempts = recorded.attempts.length
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      expect(recorded.attempts.length).toBe(attempts)
    } finally {
      await revived.stop()
    }
  })

  test('stop cancels the schedule: no attempts after stop', async () => {
    const node = await testNode({
      bootstrap: ['/ip4/127.0.0.1/tcp/1/p2p/12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'],
      discovery: { minPeers: 1, bootstrapIntervalMs: 100, bootstrapMaxIntervalMs: 200 },
    })
    const recorded = record(node)
    await node.start()
    await waitFor(() => recorded.failures.length >= 2, 'two failures')
    await node.stop()
    expect(node.discovery.isStarted()).toBe(false)
    expect(node.discovery.nextBootstrapDelayMs()).toBeUndefined()
    const attempts = recorded.attempts.length
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(recorded.attempts.length).toBe(attempts)
  })

  test('setBootstrap on a running node: dials the new peer at once, the snapshot follows', async () => {
    const a = await testNode({ dht: { mode: 'server' } })
    await a.start()
    const node = await testNode({ dht: { mode: 'server' } })
    const recorded = record(node)
    await node.start()
    expect(node.snapshot().routing.bootstrapPeers).toBe(0)

    expect(() => node.setBootstrap(['/ip4/127.0.0.1/tcp/9'])).toThrow(
      expect.objectContaining({ name: 'OptionsError', field: 'bootstrap[0]' }),
    )
    expect(node.options.bootstrap).toEqual([])

    const bootstrap = [a.getMultiaddrs()[0] ?? '']
    expect(node.setBootstrap(bootstrap)).toBe(true)
    expect(node.options.bootstrap).toEqual(bootstrap)
    await waitFor(() => recorded.successes.length > 0, 'the new bootstrap peer connected')
    expect(recorded.successes).toEqual([a.peerId])
    const snapshot = node.snapshot()
    expect(snapshot.routing.bootstrapPeers).toBe(1)
    expect(snapshot.facts.bootstrap).toEqual([
      expect.objectContaining({ peerId: a.peerId, connected: true, lastOutcome: 'success' }),
    ])
  })
})
