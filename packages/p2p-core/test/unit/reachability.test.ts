import { multiaddr } from '@multiformats/multiaddr'
import { addressFactsOf, reachabilityOf } from '../../src/reachability.js'
import type { AddressWithMetadata } from '../../src/reachability.js'

const at = (addr: string, verified: boolean, expires: number): AddressWithMetadata => ({
  multiaddr: multiaddr(addr),
  verified,
  expires,
})
const loopback = at('/ip4/127.0.0.1/tcp/4001', true, Date.now() + 60_000)
const lan = at('/ip4/192.168.1.5/tcp/4001', true, Date.now() + 60_000)

describe('reachability from the address manager', () => {
  test('only private addresses: unknown (AutoNAT never checks them)', () => {
    expect(reachabilityOf([loopback, lan], true)).toEqual({
      reachability: 'unknown',
      autoNATStatus: 'unknown',
    })
  })

  test('a public address never checked: unknown', () => {
    expect(reachabilityOf([loopback, at('/ip4/6.0.0.1/tcp/4001', false, 0)], true)).toEqual({
      reachability: 'unknown',
      autoNATStatus: 'unknown',
    })
  })

  test('behind a NAT that peers see: private until a public address is verified', () => {
    const mapped = at('/ip4/6.0.1.1/tcp/4001', false, 0)
    expect(reachabilityOf([lan, mapped], true, true)).toEqual({
      reachability: 'private',
      autoNATStatus: 'unknown',
    })
    // without AutoNAT too: it is the peers' word, not AutoNAT's
    expect(reachabilityOf([lan], false, true).reachability).toBe('private')
    // a forwarded port: AutoNAT confirms the mapped address
    const forwarded = at('/ip4/6.0.1.1/tcp/4001', true, Date.now() + 60_000)
    expect(reachabilityOf([lan, forwarded], true, true).reachability).toBe('public')
  })

  test('a verified public address: public', () => {
    const addresses = [loopback, at('/ip4/6.0.0.1/tcp/4001', true, Date.now() + 60_000)]
    expect(reachabilityOf(addresses, true)).toEqual({
      reachability: 'public',
      autoNATStatus: 'public',
    })
  })

  test('every public address rejected (unverified with a retry time): private', () => {
    const addresses = [
      loopback,
      at('/ip4/6.0.0.1/tcp/4001', false, Date.now() + 60_000),
      at('/ip6/2606:4700::1/tcp/4001', false, Date.now() + 60_000),
    ]
    expect(reachabilityOf(addresses, true)).toEqual({
      reachability: 'private',
      autoNATStatus: 'private',
    })
  })

  test('one rejected, one still unchecked: unknown', () => {
    const addresses = [
      at('/ip4/6.0.0.1/tcp/4001', false, Date.now() + 60_000),
      at('/ip4/6.0.1.1/tcp/4001', false, 0),
    ]
    expect(reachabilityOf(addresses, true).reachability).toBe('unknown')
  })

  test('a relayed address says nothing about direct reachability', () => {
    const relayed = at(
      '/ip4/6.0.0.9/tcp/4001/p2p/12D3KooWAB5preBXwu129t4hjer7WB8C5wP5unsV4V6JdibijoVB/p2p-circuit',
      true,
      Date.now() + 60_000,
    )
    expect(reachabilityOf([loopback, relayed], true).reachability).toBe('unknown')
  })

  test('AutoNAT off: its status is unknown; a verified public address is still public', () => {
    const verified = at('/ip4/6.0.0.1/tcp/4001', true, Date.now() + 60_000)
    expect(reachabilityOf([verified], false)).toEqual({
      reachability: 'public',
      autoNATStatus: 'unknown',
    })
    const rejected = at('/ip4/6.0.0.1/tcp/4001', false, Date.now() + 60_000)
    expect(reachabilityOf([rejected], false)).toEqual({
      reachability: 'unknown',
      autoNATStatus: 'unknown',
    })
  })
})

describe('the addresses of the health view', () => {
  const SELF = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'
  const RELAY = '12D3KooWAB5preBXwu129t4hjer7WB8C5wP5unsV4V6JdibijoVB'

  test('each with its reachability, when a check confirmed it, its origin and scope', () => {
    const facts = addressFactsOf(
      [
        { ...loopback, type: 'transport', lastVerified: 1_700_000_000_000 },
        {
          ...at('/ip4/6.0.0.1/tcp/4001', true, 9e12),
          type: 'observed',
          lastVerified: 1_700_000_001_000,
        },
        {
          ...at('/ip4/6.0.0.2/tcp/4001', false, 9e12),
          type: 'ip-mapping',
          lastVerified: 1_600_000_000_000,
        },
        at('/ip4/6.0.0.3/tcp/4001', false, 0),
        at(`/ip4/6.0.0.9/tcp/4001/p2p/${RELAY}/p2p-circuit`, true, 9e12),
        at(`/ip4/6.0.0.4/tcp/4001/p2p/${SELF}`, false, 0),
      ],
      SELF,
    )
    expect(facts).toEqual([
      // private: libp2p counts it reachable without a check, so no check time
      {
        multiaddr: `/ip4/127.0.0.1/tcp/4001/p2p/${SELF}`,
        reachable: true,
        verifiedAt: null,
        type: 'transport',
        scope: 'private',
      },
      {
        multiaddr: `/ip4/6.0.0.1/tcp/4001/p2p/${SELF}`,
        reachable: true,
        verifiedAt: 1_700_000_001_000,
        type: 'observed',
        scope: 'public',
      },
      // rejected now, confirmed once before
      {
        multiaddr: `/ip4/6.0.0.2/tcp/4001/p2p/${SELF}`,
        reachable: false,
        verifiedAt: 1_600_000_000_000,
        type: 'ip-mapping',
        scope: 'public',
      },
      {
        multiaddr: `/ip4/6.0.0.3/tcp/4001/p2p/${SELF}`,
        reachable: null,
        verifiedAt: null,
        type: 'transport',
        scope: 'public',
      },
      {
        multiaddr: `/ip4/6.0.0.9/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${SELF}`,
        reachable: true,
        verifiedAt: null,
        type: 'transport',
        scope: 'relay',
      },
      {
        multiaddr: `/ip4/6.0.0.4/tcp/4001/p2p/${SELF}`,
        reachable: null,
        verifiedAt: null,
        type: 'transport',
        scope: 'public',
      },
    ])
  })
})
