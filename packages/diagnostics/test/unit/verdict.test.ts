import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_HEALTH_THRESHOLDS,
  HEALTH_REASON_CODES,
  healthVerdict,
  healthVerdictOf,
} from '../../src/index.js'
import type {
  AddressFacts,
  BootstrapPeerFacts,
  DiagnosticsSnapshot,
  DialErrorClass,
  HealthFacts,
  HealthReason,
  HealthThresholds,
} from '../../src/index.js'
import { sampleSnapshot } from './stub-source.js'

const NOW = Date.parse('2026-03-01T12:00:00.000Z')
const SECOND = 1_000
const PEER_A = '12D3KooWPeerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
const PEER_B = '12D3KooWPeerBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB'

const THRESHOLDS: HealthThresholds = {
  minPeers: 3,
  bootstrapFailingMs: 60 * SECOND,
  mdnsSilentMs: 30 * SECOND,
  routingGraceMs: 60 * SECOND,
  readyMinPeers: 1,
}

/** A healthy node, started 10 minutes ago: three peers, a routing table, mDNS answered lately. */
function node(
  overrides: Partial<Omit<DiagnosticsSnapshot, 'facts'>> & { facts?: Partial<HealthFacts> } = {},
): DiagnosticsSnapshot {
  const { facts, ...rest } = overrides
  const sample = sampleSnapshot()
  return {
    ...sample,
    listenAddrs: ['/ip4/192.168.1.5/tcp/28680/p2p/12D3KooWHost'],
    health: {
      reachability: 'unknown',
      autoNATStatus: 'unknown',
      relay: { enabled: true, server: false, reservations: 0 },
      mdns: { enabled: true, available: true },
    },
    routing: { ...sample.routing, routingTableSize: 3, bootstrapPeers: 0 },
    ...rest,
    facts: {
      startedAt: NOW - 600 * SECOND,
      thresholds: THRESHOLDS,
      bootstrap: [],
      mdns: { state: 'up', failure: null, responses: 12, lastResponseAt: NOW - 5 * SECOND },
      addresses: [],
      ...facts,
    },
  }
}

function bootstrapPeer(overrides: Partial<BootstrapPeerFacts> = {}): BootstrapPeerFacts {
  return {
    peerId: PEER_A,
    multiaddr: `/ip4/127.0.0.1/tcp/9/p2p/${PEER_A}`,
    connected: false,
    lastOutcome: 'failure',
    lastDialAt: NOW - 2 * SECOND,
    errorClass: 'refused',
    error: 'Error: connection error 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9',
    failingSince: NOW - 61 * SECOND,
    ...overrides,
  }
}

function judge(snapshot: DiagnosticsSnapshot, thresholds = THRESHOLDS) {
  return healthVerdict(snapshot, thresholds, NOW)
}

function codes(snapshot: DiagnosticsSnapshot, thresholds = THRESHOLDS): string[] {
  return judge(snapshot, thresholds).reasons.map((r) => r.code)
}

function reason(snapshot: DiagnosticsSnapshot, code: string): HealthReason | undefined {
  return judge(snapshot).reasons.find((r) => r.code === code)
}

describe('the health verdict', () => {
  it('a node with enough peers, a routing table and mDNS answers is ok, without reasons', () => {
    expect(judge(node())).toEqual({ status: 'ok', reasons: [] })
  })

  describe('no_peers', () => {
    it('is down, and says the node has no way to find peers when it has none', () => {
      const alone = node({
        peerIds: [],
        health: { ...node().health, mdns: { enabled: false, available: false } },
        facts: { mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null } },
      })
      expect(judge(alone)).toEqual({
        status: 'down',
        reasons: [
          {
            code: 'no_peers',
            severity: 'down',
            message: 'no connected peers',
            hint: expect.stringContaining('no bootstrap peer is configured and mDNS is off'),
          },
        ],
      })
      expect(reason(alone, 'no_peers')?.hint).toContain('--bootstrap')
    })

    it('with a way to find peers, points at the other reasons; below_min_peers is not added', () => {
      const waiting = node({ peerIds: [], routing: { ...node().routing, bootstrapPeers: 1 } })
      expect(codes(waiting)).toEqual(['no_peers'])
      expect(reason(waiting, 'no_peers')?.hint).toBe(
        'discovery keeps trying (bootstrap peers, with backoff; mDNS, every few seconds); the other reasons, once their thresholds pass, name what fails',
      )
    })

    it('is down even when minPeers is 0', () => {
      expect(judge(node({ peerIds: [] }), { ...THRESHOLDS, minPeers: 0 }).status).toBe('down')
    })
  })

  describe('below_min_peers', () => {
    it('is degraded with fewer peers than minPeers, and names both numbers', () => {
      const few = node({ peerIds: ['12D3KooWP1'] })
      expect(judge(few).status).toBe('degraded')
      expect(reason(few, 'below_min_peers')).toEqual({
        code: 'below_min_peers',
        severity: 'degraded',
        message: '1 peer connected, fewer than the minimum of 3 (discovery.minPeers)',
        hint: expect.stringContaining('--min-peers'),
      })
      expect(codes(few, { ...THRESHOLDS, minPeers: 1 })).toEqual([])
    })
  })

  describe('bootstrap_unreachable', () => {
    const failing = (peers: BootstrapPeerFacts[], peerIds: string[] = []): DiagnosticsSnapshot =>
      node({
        peerIds,
        routing: { ...node().routing, bootstrapPeers: peers.length },
        facts: { bootstrap: peers },
      })

    it('names the class, the address and the error of the one bootstrap peer, with a probe to run', () => {
      expect(reason(failing([bootstrapPeer()]), 'bootstrap_unreachable')).toEqual({
        code: 'bootstrap_unreachable',
        severity: 'degraded',
        message: `the bootstrap peer has failed to connect for over 60 s: refused (/ip4/127.0.0.1/tcp/9/p2p/${PEER_A}: Error: connection error 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9)`,
        hint: 'nothing accepts connections on 127.0.0.1:9: check that the bootstrap node runs and listens there, and that its port is open: `nc -vz 127.0.0.1 9`',
      })
      expect(judge(failing([bootstrapPeer()])).status).toBe('down')
    })

    it('waits for the threshold', () => {
      const young = failing([bootstrapPeer({ failingSince: NOW - 59 * SECOND })])
      expect(codes(young)).toEqual(['no_peers'])
      const exactly = failing([bootstrapPeer({ failingSince: NOW - 60 * SECOND })])
      expect(codes(exactly)).toContain('bootstrap_unreachable')
      expect(codes(young, { ...THRESHOLDS, bootstrapFailingMs: 1_000 })).toContain(
        'bootstrap_unreachable',
      )
    })

    it('needs every bootstrap peer failing: one that works, or is connected, or was never dialled, clears it', () => {
      const other = { peerId: PEER_B, multiaddr: `/ip4/10.0.0.7/tcp/4001/p2p/${PEER_B}` }
      const cases = [
        bootstrapPeer({ ...other, lastOutcome: 'success', errorClass: null, failingSince: null }),
        bootstrapPeer({ ...other, connected: true }),
        bootstrapPeer({ ...other, lastOutcome: null, errorClass: null, failingSince: null }),
      ]
      for (const second of cases) {
        expect(codes(failing([bootstrapPeer(), second]))).not.toContain('bootstrap_unreachable')
      }
      expect(codes(failing([]))).not.toContain('bootstrap_unreachable')
    })

    it('counts the classes of several peers, and gives the hint of the commonest', () => {
      const peers = [
        bootstrapPeer(),
        bootstrapPeer({
          peerId: PEER_B,
          multiaddr: `/ip4/10.0.0.7/tcp/4001/p2p/${PEER_B}`,
          errorClass: 'timeout',
        }),
        bootstrapPeer({
          peerId: '12D3KooWPeerC',
          multiaddr: '/dns4/boot.example.org/tcp/4001/p2p/12D3KooWPeerC',
          errorClass: 'timeout',
        }),
      ]
      const found = reason(failing(peers, ['12D3KooWP1']), 'bootstrap_unreachable')
      expect(found?.message).toBe(
        'all 3 bootstrap peers have failed to connect for over 60 s: refused (1), timeout (2)',
      )
      expect(found?.hint).toContain('`nc -vz 10.0.0.7 4001`')
      expect(found?.hint).toContain('firewall')
    })

    it.each<[DialErrorClass, string]>([
      ['timeout', 'no answer from 127.0.0.1:9 within the dial timeout'],
      ['no_route', 'no route to 127.0.0.1:9'],
      ['handshake', 'not as the libp2p peer of the multiaddr'],
      ['denied', 'connection gater'],
      ['aborted', 'cancelled'],
      ['other', '--log-level debug'],
    ])('%s has a hint of its own', (errorClass, words) => {
      const found = reason(failing([bootstrapPeer({ errorClass })]), 'bootstrap_unreachable')
      expect(found?.message).toContain(`: ${errorClass} (`)
      expect(found?.hint).toContain(words)
    })
  })

  describe('not_reachable_no_relay', () => {
    const privateNode = (relay: { enabled: boolean; reservations: number }): DiagnosticsSnapshot =>
      node({
        health: {
          ...node().health,
          reachability: 'private',
          autoNATStatus: 'private',
          relay: { ...relay, server: false },
        },
      })

    it('is degraded when AutoNAT says private and no relay holds a slot; the hint names the port', () => {
      const found = reason(
        privateNode({ enabled: true, reservations: 0 }),
        'not_reachable_no_relay',
      )
      expect(found?.severity).toBe('degraded')
      expect(found?.message).toContain('no relay reservation')
      expect(found?.hint).toContain('forward TCP port 28680')
      expect(found?.hint).toContain('/p2p-circuit')
    })

    it('tells a node without the relay client to enable it', () => {
      const found = reason(
        privateNode({ enabled: false, reservations: 0 }),
        'not_reachable_no_relay',
      )
      expect(found?.hint).toContain('drop --no-relay')
    })

    it('is silent with a reservation, or while reachability is public or unknown', () => {
      expect(codes(privateNode({ enabled: true, reservations: 1 }))).not.toContain(
        'not_reachable_no_relay',
      )
      expect(codes(node())).toEqual([])
    })
  })

  describe('behind a NAT: reachable_via_relay, and the NAT named in not_reachable_no_relay', () => {
    const RELAY = '12D3KooWRelayRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR'
    const natted = (reservations: number): DiagnosticsSnapshot =>
      node({
        listenAddrs: [
          '/ip4/10.1.0.2/tcp/4001/p2p/12D3KooWHost',
          ...(reservations > 0
            ? [`/ip4/6.0.0.1/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/12D3KooWHost`]
            : []),
        ],
        health: {
          ...node().health,
          reachability: 'private',
          relay: { enabled: true, server: false, reservations },
        },
        facts: {
          nat: { behindNat: true, externalIps: ['6.0.1.1'], observedBy: 2, since: NOW - SECOND },
        },
      })

    it('names the relay a NATed node is reachable through, as a note', () => {
      const found = reason(natted(1), 'reachable_via_relay')
      expect(found?.severity).toBe('info')
      expect(found?.message).toContain('behind a NAT (2 peers see it at 6.0.1.1')
      expect(found?.message).toContain(`only through the relay ${RELAY}`)
      expect(found?.hint).toContain('forward TCP port 4001')
      expect(judge(natted(1)).status).toBe('ok')
    })

    it('says what peers see when there is no relay', () => {
      const found = reason(natted(0), 'not_reachable_no_relay')
      expect(found?.severity).toBe('degraded')
      expect(found?.message).toMatch(
        /^it is behind a NAT \(2 peers see it at 6\.0\.1\.1, .*no relay reservation/,
      )
      expect(codes(natted(0))).not.toContain('reachable_via_relay')
    })

    it('is silent while the node is public or unknown', () => {
      expect(codes(node())).not.toContain('reachable_via_relay')
    })
  })

  describe('hole_punch_failing', () => {
    const punched = (
      last: NonNullable<HealthFacts['holePunch']>['last'],
      failures = 1,
    ): DiagnosticsSnapshot =>
      node({
        facts: {
          holePunch: {
            enabled: true,
            attempts: failures + 1,
            successes: 1,
            failures,
            pending: 0,
            last,
          },
        },
      })
    const failure = (cause: 'no_public_address' | 'no_direct_connection') => ({
      peerId: PEER_B,
      outcome: 'failure' as const,
      cause,
      at: NOW - SECOND,
      durationMs: 30 * SECOND,
      address: null,
    })

    it('notes the last failure with its cause, without changing the status', () => {
      const found = reason(punched(failure('no_public_address'), 2), 'hole_punch_failing')
      expect(found?.severity).toBe('info')
      expect(found?.message).toContain(`with ${PEER_B}, failed: neither side had a public address`)
      expect(found?.message).toContain('2 of 3 failed since start')
      expect(found?.hint).toContain('js-libp2p#2620')
      const dials = reason(punched(failure('no_direct_connection')), 'hole_punch_failing')
      expect(dials?.hint).toContain('symmetric NAT')
    })

    it('is silent after a success, and without hole punches', () => {
      const success = {
        ...failure('no_direct_connection'),
        outcome: 'success' as const,
        cause: null,
        address: '/ip4/6.0.2.1/tcp/4001',
      }
      expect(codes(punched(success))).not.toContain('hole_punch_failing')
      expect(codes(node())).not.toContain('hole_punch_failing')
    })
  })

  describe('behind_symmetric_nat', () => {
    const observed = (port: number, reachable: boolean | null = false): AddressFacts => ({
      multiaddr: `/ip4/203.0.113.7/udp/${port}/quic-v1/p2p/12D3KooWHost`,
      reachable,
      verifiedAt: null,
      type: 'observed',
      scope: 'public',
    })

    it('notes one public IP seen on three ports or more, without changing the status', () => {
      const seen = node({ facts: { addresses: [observed(4001), observed(5123), observed(6230)] } })
      expect(judge(seen)).toEqual({
        status: 'ok',
        reasons: [
          {
            code: 'behind_symmetric_nat',
            severity: 'info',
            message: expect.stringContaining('203.0.113.7 on 3 different UDP ports'),
            hint: expect.stringContaining('/p2p-circuit'),
          },
        ],
      })
    })

    it('needs three ports, observed addresses, and none of them confirmed', () => {
      expect(codes(node({ facts: { addresses: [observed(4001), observed(5123)] } }))).toEqual([])
      const confirmed = [observed(4001, true), observed(5123), observed(6230)]
      expect(codes(node({ facts: { addresses: confirmed } }))).toEqual([])
      const transport = [observed(4001), observed(5123), observed(6230)].map((a) => ({
        ...a,
        type: 'transport',
      }))
      expect(codes(node({ facts: { addresses: transport } }))).toEqual([])
    })
  })

  describe('mDNS', () => {
    const mdnsDown = node({
      health: { ...node().health, mdns: { enabled: true, available: false } },
      facts: {
        mdns: {
          state: 'failed',
          failure: 'Error: bind EADDRINUSE 0.0.0.0:5353',
          responses: 0,
          lastResponseAt: null,
        },
      },
    })

    it('mdns_unavailable: degraded, with the socket error', () => {
      expect(reason(mdnsDown, 'mdns_unavailable')).toEqual({
        code: 'mdns_unavailable',
        severity: 'degraded',
        message:
          'mDNS is enabled but its multicast socket failed: Error: bind EADDRINUSE 0.0.0.0:5353',
        hint: expect.stringContaining('--no-mdns'),
      })
      expect(codes(mdnsDown)).not.toContain('mdns_no_responses')
    })

    it('mdns_no_responses: no answer since start for longer than the threshold', () => {
      const silent = (startedAgoMs: number, peerIds: string[]): DiagnosticsSnapshot =>
        node({
          peerIds,
          facts: {
            startedAt: NOW - startedAgoMs,
            mdns: { state: 'up', failure: null, responses: 0, lastResponseAt: null },
          },
        })
      expect(codes(silent(29 * SECOND, []))).toEqual(['no_peers'])
      const alone = silent(31 * SECOND, [])
      expect(codes(alone)).toEqual(['no_peers', 'mdns_no_responses'])
      expect(reason(alone, 'mdns_no_responses')).toEqual({
        code: 'mdns_no_responses',
        severity: 'degraded',
        message: 'no mDNS answer from any other host for over 30 s since the node started',
        hint: expect.stringContaining('drops multicast'),
      })
      // peers found elsewhere: a note, not a fault
      const served = silent(31 * SECOND, ['12D3KooWP1', '12D3KooWP2', '12D3KooWP3'])
      expect(judge(served).status).toBe('ok')
      expect(reason(served, 'mdns_no_responses')?.severity).toBe('info')
    })

    it('mdns_no_responses: answers that stopped, with the time of the last', () => {
      const stopped = node({
        facts: {
          mdns: { state: 'up', failure: null, responses: 4, lastResponseAt: NOW - 45 * SECOND },
        },
      })
      expect(reason(stopped, 'mdns_no_responses')?.message).toBe(
        'no mDNS answer from any other host for over 30 s (the last at 2026-03-01T11:59:15.000Z)',
      )
    })

    it('says nothing of mDNS when it is off', () => {
      const off = node({
        health: { ...node().health, mdns: { enabled: false, available: false } },
        facts: { mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null } },
      })
      expect(codes(off)).toEqual([])
    })
  })

  describe('routing_table_empty', () => {
    const empty = (startedAgoMs: number, peerIds = node().peerIds): DiagnosticsSnapshot =>
      node({
        peerIds,
        routing: { ...node().routing, routingTableSize: 0, mode: 'auto', currentMode: 'client' },
        facts: { startedAt: NOW - startedAgoMs },
      })

    it('is degraded once the grace period is over, with peers connected', () => {
      expect(reason(empty(61 * SECOND), 'routing_table_empty')).toEqual({
        code: 'routing_table_empty',
        severity: 'degraded',
        message:
          "the DHT routing table is still empty 60 s after start, with 3 peers connected: none of them serves this node's DHT",
        hint: expect.stringContaining('--dht-mode server'),
      })
    })

    it('waits for the grace period, and leaves a node without peers to no_peers', () => {
      expect(codes(empty(59 * SECOND))).toEqual([])
      expect(codes(empty(61 * SECOND, []))).toEqual(['no_peers'])
    })
  })

  it('lists the worst first, then in the order of the codes', () => {
    const everything = node({
      peerIds: [],
      health: {
        reachability: 'private',
        autoNATStatus: 'private',
        relay: { enabled: true, server: false, reservations: 0 },
        mdns: { enabled: true, available: false },
      },
      routing: { ...node().routing, bootstrapPeers: 1 },
      facts: {
        bootstrap: [bootstrapPeer()],
        mdns: { state: 'failed', failure: 'Error: x', responses: 0, lastResponseAt: null },
      },
    })
    expect(codes(everything)).toEqual([
      'no_peers',
      'bootstrap_unreachable',
      'not_reachable_no_relay',
      'mdns_unavailable',
    ])
    for (const r of judge(everything).reasons) {
      expect(HEALTH_REASON_CODES).toContain(r.code)
      expect(r.code).toMatch(/^[a-z]+(_[a-z]+)*$/)
      expect(r.message.length).toBeGreaterThan(10)
      expect(r.hint.length).toBeGreaterThan(10)
    }
  })

  it('without facts, judges what the snapshot has, by the default thresholds', () => {
    const bare = node({ peerIds: ['12D3KooWP1'] })
    delete bare.facts
    expect(codes(bare, DEFAULT_HEALTH_THRESHOLDS)).toEqual(['below_min_peers'])
    expect(healthVerdictOf(bare, NOW).reasons.map((r) => r.code)).toEqual(['below_min_peers'])
    const enough = { ...bare, peerIds: node().peerIds }
    expect(healthVerdictOf(enough, NOW)).toEqual({ status: 'ok', reasons: [] })
  })

  it("healthVerdictOf judges by the snapshot's own thresholds", () => {
    const few = node({
      peerIds: ['12D3KooWP1'],
      facts: { thresholds: { ...THRESHOLDS, minPeers: 1 } },
    })
    expect(healthVerdictOf(few, NOW).status).toBe('ok')
    expect(codes(few)).toEqual(['below_min_peers'])
  })
})
