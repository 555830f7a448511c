import { jest } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { SILENT_LOGGER } from '../../src/logger.js'
import { DCUTR_PROTOCOL, HolePunchTracker } from '../../src/node/hole-punch.js'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const RELAYED = (peer: PeerId): Multiaddr =>
  multiaddr(
    `/ip4/6.0.0.1/tcp/4001/p2p/12D3KooWAB5preBXwu129t4hjer7WB8C5wP5unsV4V6JdibijoVB/p2p-circuit/p2p/${peer.toString()}`,
  )

function tracker(own: string[] = ['/ip4/10.1.0.2/tcp/4001'], direct = false): HolePunchTracker {
  return new HolePunchTracker({
    enabled: true,
    ownAddresses: () => own.map((a) => multiaddr(a)),
    hasDirectConnection: () => direct,
    log: SILENT_LOGGER,
    windowMs: 1_000,
  })
}

const identified = (peer: PeerId, listenAddrs: string[] = [], protocols = [DCUTR_PROTOCOL]) => ({
  peerId: peer,
  protocols,
  listenAddrs: listenAddrs.map((a) => multiaddr(a)),
  connection: { remoteAddr: RELAYED(peer) } as never,
})

describe('hole punches judged by their outcome', () => {
  let peer: PeerId
  beforeAll(async () => {
    peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  })
  afterEach(() => {
    jest.useRealTimers()
  })

  test('a direct connection within the window: success, with its address', () => {
    const t = tracker()
    t.identified(identified(peer, ['/ip4/6.0.2.1/tcp/4001']))
    expect(t.facts()).toMatchObject({ attempts: 1, pending: 1, last: null })
    t.connected({ remotePeer: peer, remoteAddr: RELAYED(peer) })
    expect(t.facts().pending).toBe(1)
    t.connected({ remotePeer: peer, remoteAddr: multiaddr('/ip4/6.0.2.1/tcp/4001') })
    expect(t.facts()).toMatchObject({
      attempts: 1,
      successes: 1,
      failures: 0,
      pending: 0,
      last: { outcome: 'success', cause: null, address: '/ip4/6.0.2.1/tcp/4001' },
    })
  })

  test('no direct connection within the window: failure, and why', () => {
    jest.useFakeTimers()
    const t = tracker()
    t.identified(identified(peer, ['/ip4/10.2.0.2/tcp/4001']))
    jest.advanceTimersByTime(1_000)
    expect(t.facts()).toMatchObject({
      failures: 1,
      pending: 0,
      last: { outcome: 'failure', cause: 'no_public_address', peerId: peer.toString() },
    })
    // with a public address on one side, the dials themselves failed
    const u = tracker(['/ip4/6.0.1.1/tcp/4001'])
    u.identified(identified(peer))
    jest.advanceTimersByTime(1_000)
    expect(u.facts().last?.cause).toBe('no_direct_connection')
  })

  test('no attempt: a peer without DCUtR, a direct connection already, or a disconnect before the end', () => {
    jest.useFakeTimers()
    const t = tracker()
    t.identified(identified(peer, [], ['/ipfs/id/1.0.0']))
    tracker(undefined, true).identified(identified(peer))
    expect(t.facts().attempts).toBe(0)
    t.identified(identified(peer))
    t.disconnected(peer)
    jest.advanceTimersByTime(5_000)
    expect(t.facts()).toMatchObject({ attempts: 0, successes: 0, failures: 0, pending: 0 })
  })
})
