import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { createNatMetrics, NAT_METRICS } from '../../src/index.js'
import type { HealthFacts, HolePunchResult } from '../../src/index.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'

/** `labels -> value` of one metric, as a scrape sees it. */
async function scrape(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [
      [
        (v as { metricName?: string }).metricName ?? name,
        ...Object.entries(v.labels).map(([k, l]) => `${k}=${String(l)}`),
      ].join(' '),
      v.value,
    ]),
  )
}

const STARTED = Date.parse('2026-12-01T10:00:00Z')

function result(seq: number, outcome: 'success' | 'failure', durationMs: number): HolePunchResult {
  return {
    seq,
    peerId: `12D3KooWPeer${seq}`,
    outcome,
    cause: outcome === 'success' ? null : 'no_public_address',
    at: STARTED + seq * 1_000,
    durationMs,
    address: outcome === 'success' ? '/ip4/6.0.2.1/tcp/4001' : null,
  }
}

function facts(overrides: Partial<HealthFacts> = {}): HealthFacts {
  return {
    startedAt: STARTED,
    thresholds: {
      minPeers: 3,
      bootstrapFailingMs: 60_000,
      mdnsSilentMs: 30_000,
      routingGraceMs: 60_000,
      readyMinPeers: 1,
    },
    bootstrap: [],
    mdns: { state: 'up', failure: null, responses: 0, lastResponseAt: null },
    addresses: [
      {
        multiaddr: '/ip4/10.0.1.11/tcp/4001/p2p/x',
        reachable: true,
        verifiedAt: null,
        type: 'transport',
        scope: 'private',
      },
      {
        multiaddr: '/ip4/6.0.0.201/tcp/4001/p2p/x',
        reachable: null,
        verifiedAt: null,
        type: 'ip-mapping',
        scope: 'public',
      },
      {
        multiaddr: '/ip4/6.0.0.9/tcp/4001/p2p/x',
        reachable: false,
        verifiedAt: null,
        type: 'observed',
        scope: 'public',
      },
    ],
    relay: {
      relayedConnections: 2,
      reservationsCreated: 3,
      reservationsRemoved: 1,
      serverReservations: null,
    },
    holePunch: {
      enabled: true,
      attempts: 2,
      successes: 1,
      failures: 1,
      pending: 0,
      last: result(2, 'failure', 30_000),
      recent: [result(1, 'success', 800), result(2, 'failure', 30_000)],
    },
    ...overrides,
  }
}

describe('createNatMetrics', () => {
  it('registers its table, every labelled series at 0 before any snapshot', async () => {
    const registry = new Registry()
    createNatMetrics(registry, { source: createStubSource(undefined) })
    const types = Object.fromEntries(
      (await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]),
    )
    expect(types).toEqual(NAT_METRICS)
    expect(await scrape(registry, 'p2p_reachability')).toEqual({
      'p2p_reachability state=public': 0,
      'p2p_reachability state=private': 0,
      'p2p_reachability state=unknown': 1,
    })
    expect(await scrape(registry, 'p2p_holepunch_total')).toEqual({
      'p2p_holepunch_total outcome=success': 0,
      'p2p_holepunch_total outcome=failure': 0,
    })
  })

  it('reads reachability, addresses, relays and hole punches from the snapshot', async () => {
    const registry = new Registry()
    const source = createStubSource(sampleSnapshot({ facts: facts() }))
    createNatMetrics(registry, { source })
    expect(await scrape(registry, 'p2p_reachability')).toMatchObject({
      'p2p_reachability state=private': 1,
      'p2p_reachability state=public': 0,
    })
    expect(await scrape(registry, 'p2p_addresses')).toEqual({
      'p2p_addresses reachability=reachable': 1,
      'p2p_addresses reachability=unreachable': 1,
      'p2p_addresses reachability=unknown': 1,
    })
    expect(await scrape(registry, 'p2p_relay_reservations')).toEqual({ p2p_relay_reservations: 1 })
    expect(await scrape(registry, 'p2p_relay_reservations_total')).toEqual({
      'p2p_relay_reservations_total event=made': 3,
      'p2p_relay_reservations_total event=lost': 1,
    })
    expect(await scrape(registry, 'p2p_relayed_connections')).toEqual({
      p2p_relayed_connections: 2,
    })
    expect(await scrape(registry, 'p2p_relay_server_reservations')).toEqual({
      p2p_relay_server_reservations: 0,
    })
    expect(await scrape(registry, 'p2p_holepunch_total')).toEqual({
      'p2p_holepunch_total outcome=success': 1,
      'p2p_holepunch_total outcome=failure': 1,
    })
    const text = await registry.metrics()
    expect(text).toContain('p2p_holepunch_duration_seconds_bucket{le="1",outcome="success"} 1')
    expect(text).toContain('p2p_holepunch_duration_seconds_bucket{le="20",outcome="failure"} 0')
    expect(text).toContain('p2p_holepunch_duration_seconds_bucket{le="30",outcome="failure"} 1')
  })

  it('counts each hole punch once across scrapes, and again from 0 after a restart', async () => {
    const registry = new Registry()
    const source = createStubSource(sampleSnapshot({ facts: facts() }))
    createNatMetrics(registry, { source })
    await registry.metrics()
    await registry.metrics()
    const third = facts()
    third.holePunch = {
      ...third.holePunch!,
      attempts: 3,
      successes: 2,
      recent: [...third.holePunch!.recent, result(3, 'success', 1_500)],
    }
    source.current = sampleSnapshot({ facts: third })
    const text = await registry.metrics()
    expect(text).toContain('p2p_holepunch_duration_seconds_count{outcome="success"} 2')
    expect(text).toContain('p2p_holepunch_duration_seconds_count{outcome="failure"} 1')
    expect(text).toContain('p2p_holepunch_total{outcome="success"} 2')

    // a restarted node numbers from 1 again: nothing is lost, counters never go down
    const restarted = facts({ startedAt: STARTED + 3_600_000 })
    restarted.holePunch = {
      ...restarted.holePunch!,
      successes: 1,
      failures: 0,
      recent: [result(1, 'success', 200)],
    }
    source.current = sampleSnapshot({ facts: restarted })
    const after = await registry.metrics()
    expect(after).toContain('p2p_holepunch_total{outcome="success"} 3')
    expect(after).toContain('p2p_holepunch_duration_seconds_count{outcome="success"} 3')
  })
})
