import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { createDiscoveryService } from '../../src/discovery/index.js'
import { FakeLibp2p, newPeerId } from '../fixtures/fake-libp2p.js'
import { waitFor } from '../fixtures/nodes.js'
import type { DiscoveryService, DiscoveryServiceComponents } from '../../src/discovery/index.js'
import type { PeerDiscoveryEvents, PeerId } from '@libp2p/interface'

let service: DiscoveryService | undefined
afterEach(() => {
  service?.stop()
  service = undefined
})

describe('createDiscoveryService', () => {
  test('backs off 100, 200, 400, 400 ms while dials fail; skips self; a throwing callback is harmless', async () => {
    const self = await newPeerId()
    const remote = await newPeerId()
    const libp2p = new FakeLibp2p(self)
    service = createDiscoveryService(
      {
        bootstrap: [
          `/ip4/127.0.0.1/tcp/1/p2p/${remote.toString()}`,
          `/ip4/127.0.0.1/tcp/2/p2p/${self.toString()}`,
        ],
        minPeers: 1,
        bootstrapIntervalMs: 100,
        bootstrapMaxIntervalMs: 400,
        dialTimeoutMs: 1_000,
        random: () => 0.5,
      },
      { libp2p: libp2p as unknown as DiscoveryServiceComponents['libp2p'] },
    )
    const delays: number[] = []
    let failures = 0
    service.setDiagnosticsCallbacks({
      onBootstrapAttempt: () => {
        throw new Error('broken metrics')
      },
      onBootstrapFailure: () => {
        failures++
        delays.push(service?.nextBootstrapDelayMs() ?? -1)
      },
    })
    service.start()
    await waitFor(() => failures >= 5, 'five failures', { timeoutMs: 5_000 })
    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 400, 400])
    expect(libp2p.dials.every((d) => d.includes(remote.toString()))).toBe(true)
    expect(service.stats().bootstrapAttempts).toBe(service.stats().bootstrapFailures)

    // success: satisfied, the schedule idles
    libp2p.failDials = false
    await waitFor(() => service?.stats().bootstrapSuccesses === 1, 'a success', {
      timeoutMs: 2_000,
    })
    await waitFor(() => service?.nextBootstrapDelayMs() === undefined, 'idle', { timeoutMs: 2_000 })

    // the peer drops: the schedule restarts from the first delay
    libp2p.failDials = true
    libp2p.disconnect(remote.toString(), remote)
    expect(service.nextBootstrapDelayMs()).toBe(100)

    service.stop()
    expect(service.nextBootstrapDelayMs()).toBeUndefined()
    expect(libp2p.listenerCount('peer:disconnect')).toBe(0)
  })

  test('mDNS answers: each one reported, finds only of peers not connected (never self), dialled unless connected', async () => {
    const self = await newPeerId()
    const remote = await newPeerId()
    const other = await newPeerId()
    const libp2p = new FakeLibp2p(self)
    const mdns = new TypedEventEmitter<PeerDiscoveryEvents>()
    service = createDiscoveryService(
      {
        bootstrap: [],
        minPeers: 0,
        bootstrapIntervalMs: 100,
        bootstrapMaxIntervalMs: 100,
        dialTimeoutMs: 1_000,
      },
      { libp2p: libp2p as unknown as DiscoveryServiceComponents['libp2p'], mdns },
    )
    const found: string[] = []
    const responses: string[] = []
    const connected: string[] = []
    const failed: string[] = []
    service.setDiagnosticsCallbacks({
      onMdnsPeerFound: (id) => found.push(id),
      onMdnsResponse: (id) => responses.push(id),
      onMdnsConnectSuccess: (id) => connected.push(id),
      onMdnsConnectFail: (id) => failed.push(id),
    })
    service.start()
    const announce = (id: PeerId): void => {
      mdns.safeDispatchEvent('peer', {
        detail: { id, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] },
      })
    }

    announce(self)
    libp2p.failDials = false
    announce(remote)
    await waitFor(() => connected.length === 1, 'the mDNS dial')
    announce(remote) // already connected: an answer, no find, no second dial
    libp2p.failDials = true
    announce(other)
    await waitFor(() => failed.length === 1, 'the failed mDNS dial')

    expect(found).toEqual([remote.toString(), other.toString()])
    expect(responses).toEqual([remote.toString(), remote.toString(), other.toString()])
    expect(service.stats()).toMatchObject({ mdnsPeersFound: 2, mdnsResponses: 3 })
    expect(connected).toEqual([remote.toString()])
    expect(failed).toEqual([other.toString()])
    expect(libp2p.dials).toEqual([
      `/ip4/127.0.0.1/tcp/4001/p2p/${remote.toString()}`,
      `/ip4/127.0.0.1/tcp/4001/p2p/${other.toString()}`,
    ])

    service.stop()
    announce(other)
    expect(found).toHaveLength(2)
    expect(responses).toHaveLength(3)
  })

  test("mDNS: a peer that keeps answering is found once; after a goodbye, or with its record's TTL run out, again", async () => {
    const self = await newPeerId()
    const remote = await newPeerId()
    const libp2p = new FakeLibp2p(self)
    libp2p.holdDials = true // never connected, one dial in flight
    const mdns = new TypedEventEmitter<PeerDiscoveryEvents>()
    // the TTL of each answer, as the mDNS probe reads it from the packet
    let ttlMs: number | undefined = 120_000
    const ttlsAsked: string[] = []
    service = createDiscoveryService(
      {
        bootstrap: [],
        minPeers: 0,
        bootstrapIntervalMs: 100,
        bootstrapMaxIntervalMs: 100,
        dialTimeoutMs: 60_000,
      },
      {
        libp2p: libp2p.asLibp2p(),
        mdns,
        mdnsRecordTtlMs: (peerId) => {
          ttlsAsked.push(peerId)
          return ttlMs
        },
      },
    )
    const found: string[] = []
    const responses: string[] = []
    service.addEventListener('mdns:peer', (evt) => found.push(evt.detail.peerId))
    service.addEventListener('mdns:response', (evt) => responses.push(evt.detail.peerId))
    service.start()
    const announce = (): void => {
      mdns.safeDispatchEvent('peer', {
        detail: { id: remote, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] },
      })
    }

    for (let i = 0; i < 5; i++) announce()
    expect(found).toEqual([remote.toString()])
    expect(responses).toHaveLength(5)
    expect(ttlsAsked).toEqual(Array(5).fill(remote.toString()))

    ttlMs = 0 // a goodbye: no find, and the peer is forgotten
    announce()
    expect(found).toHaveLength(1)
    ttlMs = undefined // unknown: the default TTL
    announce()
    announce()
    expect(found).toEqual([remote.toString(), remote.toString()])
    expect(responses).toHaveLength(8)
    // one dial, still in flight: repeats never dial twice
    expect(libp2p.dials).toHaveLength(1)
    libp2p.release()
  })
})
