import { multiaddr } from '@multiformats/multiaddr'
import { watchInboundRefusals } from '../../src/network/inbound-refusals.js'
import type {
  AcceptingConnectionManager,
  InboundRefusalReason,
} from '../../src/network/inbound-refusals.js'
import type { Connection, MultiaddrConnection } from '@libp2p/interface'

/**
 * libp2p 3.3's acceptIncomingConnection, its checks in its order: the deny list, the pending
 * handshakes, 5 connections per host and second, the connection limit.
 */
class FakeConnectionManager implements AcceptingConnectionManager {
  pending = 0
  open = 0
  readonly deny = new Set<string>()
  private readonly perHost = new Map<string, { count: number; endsAt: number }>()
  constructor(
    private readonly maxPending: number,
    private readonly maxConnections: number,
    private readonly now: () => number,
  ) {}
  acceptIncomingConnection(maConn: MultiaddrConnection): boolean {
    const host = maConn.remoteAddr.getComponents()[0]?.value ?? ''
    if (this.deny.has(host)) return false
    if (this.pending === this.maxPending) return false
    let window = this.perHost.get(host)
    if (window === undefined || this.now() >= window.endsAt) {
      window = { count: 0, endsAt: this.now() + 1_000 }
      this.perHost.set(host, window)
    }
    window.count++
    if (window.count > 5) return false
    if (this.open >= this.maxConnections) return false
    this.pending++
    return true
  }
  afterUpgradeInbound(): void {
    this.pending--
  }
  getMaxConnections(): number {
    return this.maxConnections
  }
  getConnections(): Connection[] {
    return Array.from({ length: this.open }, () => ({}) as Connection)
  }
}

function from(host: string): MultiaddrConnection {
  return { remoteAddr: multiaddr(`/ip4/${host}/tcp/4001`) } as MultiaddrConnection
}

function setup(maxPending = 3, maxConnections = 100) {
  let clock = 10_000
  const cm = new FakeConnectionManager(maxPending, maxConnections, () => clock)
  const refused: InboundRefusalReason[] = []
  watchInboundRefusals(
    cm,
    { maxInboundPending: maxPending },
    (e) => refused.push(e.reason),
    () => clock,
  )
  return {
    cm,
    refused,
    tick: (ms: number) => {
      clock += ms
    },
  }
}

describe('watchInboundRefusals', () => {
  test('counts handshakes beyond the pending limit as pending_limit, and frees a slot when one ends', () => {
    const { cm, refused } = setup(3)
    const hosts = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']
    const accepted = hosts.map((host) => cm.acceptIncomingConnection(from(host)))
    expect(accepted).toEqual([true, true, true, false, false])
    expect(refused).toEqual(['pending_limit', 'pending_limit'])
    cm.afterUpgradeInbound()
    expect(cm.acceptIncomingConnection(from('10.0.0.6'))).toBe(true)
    expect(refused).toHaveLength(2)
  })

  test('counts a sixth connection from one host within a second as rate_limit, not the next second', () => {
    const { cm, refused, tick } = setup(100)
    for (let i = 0; i < 5; i++) expect(cm.acceptIncomingConnection(from('10.0.0.1'))).toBe(true)
    expect(cm.acceptIncomingConnection(from('10.0.0.1'))).toBe(false)
    expect(cm.acceptIncomingConnection(from('10.0.0.2'))).toBe(true)
    tick(1_000)
    expect(cm.acceptIncomingConnection(from('10.0.0.1'))).toBe(true)
    expect(refused).toEqual(['rate_limit'])
  })

  test('counts a connection at the connection limit as max_connections, and the deny list as denied', () => {
    const { cm, refused } = setup(100, 2)
    cm.open = 2
    expect(cm.acceptIncomingConnection(from('10.0.0.1'))).toBe(false)
    cm.open = 0
    cm.deny.add('10.0.0.9')
    expect(cm.acceptIncomingConnection(from('10.0.0.9'))).toBe(false)
    expect(refused).toEqual(['max_connections', 'denied'])
  })

  test('a host both over its rate and at the connection limit is rate_limit, as libp2p checks it first', () => {
    const { cm, refused } = setup(100, 5)
    for (let i = 0; i < 5; i++) cm.acceptIncomingConnection(from('10.0.0.1'))
    cm.open = 5
    expect(cm.acceptIncomingConnection(from('10.0.0.1'))).toBe(false)
    expect(refused).toEqual(['rate_limit'])
  })
})
