import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { createDiscoveryService } from '../../src/discovery/index.js'
import { FakeLibp2p, newPeerId } from '../fixtures/fake-libp2p.js'
import { waitFor } from '../fixtures/nodes.js'
import type {
  DiscoveryContext,
  DiscoveryDialEvent,
  DiscoveryMechanism,
  DiscoveryService,
  DiscoveryServiceInit,
} from '../../src/discovery/index.js'
import type { PeerDiscoveryEvents, PeerId } from '@libp2p/interface'

const INIT: DiscoveryServiceInit = {
  bootstrap: [],
  minPeers: 0,
  bootstrapIntervalMs: 100,
  bootstrapMaxIntervalMs: 100,
  dialTimeoutMs: 1_000,
  random: () => 0.5,
}

let service: DiscoveryService | undefined
afterEach(() => {
  service?.stop()
  service = undefined
})

/** Records every dial event, through both the callback and the typed event. */
function recordDials(discovery: DiscoveryService): {
  callbacks: DiscoveryDialEvent[]
  events: DiscoveryDialEvent[]
} {
  const recorded = { callbacks: [] as DiscoveryDialEvent[], events: [] as DiscoveryDialEvent[] }
  discovery.setDiagnosticsCallbacks({ onDial: (event) => recorded.callbacks.push(event) })
  discovery.addEventListener('discovery:dial', (evt) => recorded.events.push(evt.detail))
  return recorded
}

function announce(target: TypedEventEmitter<PeerDiscoveryEvents>, id: PeerId, port = 4001): void {
  target.safeDispatchEvent('peer', {
    detail: { id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)] },
  })
}

describe('discovery mechanisms', () => {
  test('every bootstrap and mDNS dial is one dial event, beside the per-mechanism events', async () => {
    const self = await newPeerId()
    const boot = await newPeerId()
    const local = await newPeerId()
    const libp2p = new FakeLibp2p(self)
    const mdns = new TypedEventEmitter<PeerDiscoveryEvents>()
    service = createDiscoveryService(
      { ...INIT, bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${boot.toString()}`] },
      { libp2p: libp2p.asLibp2p(), mdns },
    )
    const recorded = recordDials(service)
    const bootstrapFailures: string[] = []
    service.addEventListener('bootstrap:failure', (evt) =>
      bootstrapFailures.push(evt.detail.peerId),
    )
    service.start()
    await waitFor(() => recorded.events.length === 1, 'the bootstrap dial')

    libp2p.failDials = false
    announce(mdns, local)
    await waitFor(() => recorded.events.length === 2, 'the mDNS dial')

    expect(recorded.events).toEqual([
      {
        mechanism: 'bootstrap',
        peerId: boot.toString(),
        outcome: 'failure',
        error: expect.any(Error),
      },
      { mechanism: 'mdns', peerId: local.toString(), outcome: 'success' },
    ])
    expect(recorded.callbacks).toEqual(recorded.events)
    expect(bootstrapFailures).toEqual([boot.toString()])
    expect(service.stats()).toMatchObject({
      bootstrapAttempts: 1,
      bootstrapFailures: 1,
      mdnsPeersFound: 1,
      mdnsConnectSuccesses: 1,
      dials: { bootstrap: { success: 0, failure: 1 }, mdns: { success: 1, failure: 0 } },
    })
  })

  test('the DHT mechanism dials learnt peers only while short of minPeers, dials in flight included', async () => {
    const self = await newPeerId()
    const [p1, p2, p3, p4] = await Promise.all([newPeerId(), newPeerId(), newPeerId(), newPeerId()])
    const libp2p = new FakeLibp2p(self)
    libp2p.failDials = false
    libp2p.holdDials = true
    const dht = new TypedEventEmitter<PeerDiscoveryEvents>()
    service = createDiscoveryService({ ...INIT, minPeers: 2 }, { libp2p: libp2p.asLibp2p(), dht })
    const recorded = recordDials(service)
    const legacy: string[] = []
    service.setDiagnosticsCallbacks({
      onDial: (event) => recorded.callbacks.push(event),
      onMdnsPeerFound: (id) => legacy.push(id),
      onBootstrapAttempt: (id) => legacy.push(id),
    })
    service.start()

    announce(dht, self) // never self
    announce(dht, p1!)
    announce(dht, p1!) // already being dialled
    announce(dht, p2!)
    announce(dht, p3!) // two dials in flight make two peers: enough
    expect(libp2p.dials).toHaveLength(2)

    libp2p.release()
    await waitFor(() => recorded.events.length === 2, 'two DHT dials')
    expect(recorded.events.map((e) => [e.mechanism, e.peerId, e.outcome])).toEqual([
      ['dht', p1!.toString(), 'success'],
      ['dht', p2!.toString(), 'success'],
    ])
    announce(dht, p4!) // two peers connected: satisfied
    expect(libp2p.dials).toHaveLength(2)

    libp2p.disconnect(p1!.toString(), p1!)
    announce(dht, p4!, 4002)
    await waitFor(() => recorded.events.length === 3, 'the third DHT dial')
    expect(libp2p.dials[2]).toBe(`/ip4/127.0.0.1/tcp/4002/p2p/${p4!.toString()}`)
    expect(recorded.callbacks).toEqual(recorded.events)
    expect(legacy).toEqual([]) // the DHT has no per-mechanism events
    expect(service.stats().dials).toEqual({ dht: { success: 3, failure: 0 } })
  })

  test('a fourth mechanism needs nothing but its own code: its dials carry its name', async () => {
    const self = await newPeerId()
    const remote = await newPeerId()
    const libp2p = new FakeLibp2p(self)
    libp2p.failDials = false
    let context: DiscoveryContext | undefined
    let stops = 0
    const rendezvous: DiscoveryMechanism = {
      name: 'rendezvous',
      start: (ctx) => {
        context = ctx
      },
      stop: () => {
        stops++
      },
    }
    service = createDiscoveryService(INIT, {
      libp2p: libp2p.asLibp2p(),
      mechanisms: [rendezvous],
    })
    const recorded = recordDials(service)
    service.start()
    expect(context?.signal.aborted).toBe(false)

    const target = multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${remote.toString()}`)
    const event = await context?.dial(remote.toString(), target)
    expect(event).toEqual({
      mechanism: 'rendezvous',
      peerId: remote.toString(),
      outcome: 'success',
    })
    expect(recorded.events).toEqual([event])

    // a dial in flight when the service stops is cancelled and reported by nobody
    libp2p.holdDials = true
    const cancelled = context?.dial(remote.toString(), target)
    expect(context?.isDialing(remote.toString())).toBe(true)
    service.stop()
    expect(stops).toBe(1)
    expect(context?.signal.aborted).toBe(true)
    await expect(cancelled).resolves.toBeUndefined()
    await expect(context?.dial(remote.toString(), target)).resolves.toBeUndefined()
    expect(recorded.events).toHaveLength(1)
  })
})
