import { createDiscoveryService } from '../../src/discovery/index.js'
import { BootstrapHistory } from '../../src/node/bootstrap-history.js'
import { FakeLibp2p, newPeerId } from '../fixtures/fake-libp2p.js'
import { waitFor } from '../fixtures/nodes.js'
import type { DiscoveryService } from '../../src/discovery/index.js'

let service: DiscoveryService | undefined
afterEach(() => {
  service?.stop()
  service = undefined
})

const SELF = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'
const A = '12D3KooWGN55TLsugEGog8fzGTEm9h8J58Th3Xv5VFLs1vBrzfG2'
const B = '12D3KooWCyhUym37PFy8R9qKbp3AQEfyn46V5ZwK3Rj9ULuRCTtm'
const addrA = `/ip4/127.0.0.1/tcp/9/p2p/${A}`
const addrB = `/ip4/10.0.0.5/tcp/4001/p2p/${B}`
const refused = new Error('connect ECONNREFUSED 127.0.0.1:9')

describe('replacing the bootstrap peers (a configuration reload)', () => {
  test('dials the new peers at once, restarts the schedule, and stops dialling the old ones', async () => {
    const self = await newPeerId()
    const [first, second] = [await newPeerId(), await newPeerId()]
    const libp2p = new FakeLibp2p(self)
    service = createDiscoveryService(
      {
        bootstrap: [`/ip4/127.0.0.1/tcp/1/p2p/${first.toString()}`],
        minPeers: 1,
        bootstrapIntervalMs: 100,
        bootstrapMaxIntervalMs: 400,
        dialTimeoutMs: 1_000,
        random: () => 0.5,
      },
      { libp2p: libp2p.asLibp2p() },
    )
    service.start()
    // backing off: the delay has grown past the first
    await waitFor(() => (service?.nextBootstrapDelayMs() ?? 0) >= 400, 'backoff', {
      timeoutMs: 5_000,
    })

    const dialsBefore = libp2p.dials.length
    const fresh = `/ip4/127.0.0.1/tcp/2/p2p/${second.toString()}`
    expect(service.setBootstrap([fresh])).toBe(true)
    // dialled at once, not after the backoff
    expect(libp2p.dials.slice(dialsBefore)).toEqual([fresh])
    expect(service.nextBootstrapDelayMs()).toBe(100)
    await waitFor(
      () => (service?.stats().bootstrapFailures ?? 0) >= dialsBefore + 1,
      'the new dial',
      {
        timeoutMs: 2_000,
      },
    )
    await waitFor(() => libp2p.dials.length > dialsBefore + 1, 'a retry', { timeoutMs: 2_000 })
    expect(libp2p.dials.slice(dialsBefore).every((d) => d === fresh)).toBe(true)

    // the same list again changes nothing
    const delay = service.nextBootstrapDelayMs()
    expect(service.setBootstrap([fresh])).toBe(false)
    expect(service.nextBootstrapDelayMs()).toBe(delay)

    // an empty list: no more rounds
    expect(service.setBootstrap([])).toBe(true)
    expect(service.nextBootstrapDelayMs()).toBeUndefined()
  })

  test('refuses an entry without /p2p/<peer id> and keeps the peers it had', async () => {
    const libp2p = new FakeLibp2p(await newPeerId())
    const peer = `/ip4/127.0.0.1/tcp/1/p2p/${(await newPeerId()).toString()}`
    service = createDiscoveryService(
      {
        bootstrap: [peer],
        minPeers: 1,
        bootstrapIntervalMs: 100,
        bootstrapMaxIntervalMs: 100,
        dialTimeoutMs: 1_000,
      },
      { libp2p: libp2p.asLibp2p() },
    )
    expect(() => service?.setBootstrap(['/ip4/127.0.0.1/tcp/1'])).toThrow()
    expect(service.setBootstrap([peer])).toBe(false)
    // stopped: a new list is only kept, nothing is dialled
    expect(service.setBootstrap([])).toBe(true)
    expect(libp2p.dials).toEqual([])
  })

  test('the history keeps a peer still listed at the same address, and forgets the others', () => {
    const history = new BootstrapHistory([addrA, addrB], SELF)
    history.record({ mechanism: 'bootstrap', peerId: A, outcome: 'failure', error: refused }, 1_000)
    history.record({ mechanism: 'bootstrap', peerId: B, outcome: 'failure', error: refused }, 1_000)

    const movedB = `/ip4/10.0.0.6/tcp/4001/p2p/${B}`
    history.setBootstrap([movedB, addrA])
    expect(history.read(new Set())).toEqual([
      expect.objectContaining({ peerId: B, multiaddr: movedB, lastOutcome: null }),
      expect.objectContaining({ peerId: A, lastOutcome: 'failure', failingSince: 1_000 }),
    ])

    history.setBootstrap([])
    expect(history.read(new Set())).toEqual([])
    history.setBootstrap([addrA])
    expect(history.read(new Set())).toEqual([
      expect.objectContaining({ peerId: A, lastOutcome: null }),
    ])
  })
})
