import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { SILENT_LOGGER } from '../../src/logger.js'
import { NatObserver } from '../../src/node/nat-observer.js'
import type { NatAddressManager } from '../../src/node/nat-observer.js'
import type { AddressWithMetadata } from '../../src/reachability.js'
import type { PeerId } from '@libp2p/interface'

const transport = (addr: string): AddressWithMetadata => ({
  multiaddr: multiaddr(addr),
  verified: true,
  expires: 0,
  type: 'transport',
})

function addressManager(own: string[]): NatAddressManager & { mappings: unknown[][] } {
  const mappings: unknown[][] = []
  return {
    mappings,
    getAddressesWithMetadata: () => own.map(transport),
    addPublicAddressMapping: (...args: unknown[]) => {
      mappings.push(args)
    },
  }
}

async function peer(): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

const seen = (peerId: PeerId, observed: string | undefined, remote = '/ip4/6.0.0.1/tcp/4001') => ({
  peerId,
  observedAddr: observed === undefined ? undefined : multiaddr(observed),
  connection: { remoteAddr: multiaddr(remote) } as never,
})

describe('NAT detection from what peers observe', () => {
  test('a public IP none of the interfaces has: behind a NAT, and the listen port is offered for AutoNAT', async () => {
    const manager = addressManager(['/ip4/10.1.0.2/tcp/4001', '/ip4/127.0.0.1/tcp/4001'])
    const nat = new NatObserver(manager, SILENT_LOGGER)
    expect(nat.facts()).toEqual({ behindNat: false, externalIps: [], observedBy: 0, since: null })
    const [a, b] = [await peer(), await peer()]
    nat.observe(seen(a, '/ip4/6.0.1.1/tcp/53012'))
    nat.observe(seen(b, '/ip4/6.0.1.1/tcp/40100'))
    expect(nat.facts()).toMatchObject({
      behindNat: true,
      externalIps: ['6.0.1.1'],
      observedBy: 2,
    })
    // one mapping per outside IP, of the private TCP listen address only (not loopback)
    expect(manager.mappings).toEqual([['10.1.0.2', 4001, '6.0.1.1', 4001, 'tcp']])
  })

  test('its own public IP, a private IP, a relayed connection or no observation: no NAT', async () => {
    const manager = addressManager(['/ip4/6.0.0.3/tcp/4001'])
    const nat = new NatObserver(manager, SILENT_LOGGER)
    const a = await peer()
    nat.observe(seen(a, '/ip4/6.0.0.3/tcp/51000'))
    nat.observe(seen(a, '/ip4/10.0.0.9/tcp/51000'))
    nat.observe(seen(a, undefined))
    nat.observe(
      seen(a, '/ip4/6.0.9.9/tcp/51000', `/ip4/6.0.0.1/tcp/4001/p2p/${a.toString()}/p2p-circuit`),
    )
    expect(nat.facts().behindNat).toBe(false)
    expect(manager.mappings).toEqual([])
  })

  test('keeps a bounded number of observers, most recent IP first; reset forgets them', async () => {
    const nat = new NatObserver(addressManager(['/ip4/10.1.0.2/tcp/4001']), SILENT_LOGGER)
    for (let i = 0; i < 70; i++) nat.observe(seen(await peer(), `/ip4/6.0.1.${i % 2}/tcp/4${i}`))
    expect(nat.facts().observedBy).toBe(64)
    expect(nat.facts().externalIps).toEqual(['6.0.1.1', '6.0.1.0'])
    nat.reset()
    expect(nat.facts().behindNat).toBe(false)
  })
})
