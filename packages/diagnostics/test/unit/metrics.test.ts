import { describe, expect, it } from '@jest/globals'
import { Registry, register as globalRegistry } from 'prom-client'
import { createP2PMetrics } from '../../src/index.js'
import { DIAL_OUTCOMES, DISCOVERY_MECHANISMS } from '../../src/metrics.js'
import { ADDED_METRICS, SPEC_METRICS } from '../../src/metric-table.js'
import type { BootstrapPeerFacts, DiagnosticsSnapshot } from '../../src/index.js'
import { createStubSource, createThrowingSource, sampleSnapshot } from './stub-source.js'

const EXPECTED_TYPES: Record<string, 'gauge' | 'counter'> = { ...SPEC_METRICS, ...ADDED_METRICS }

/** The one labelled metric; every other one has a single unlabelled sample. */
const DIALS = 'p2p_discovery_dials_total'

/** `mechanism/outcome` -> value of p2p_discovery_dials_total. */
async function scrapeDials(registry: Registry): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === DIALS)
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [`${v.labels.mechanism}/${v.labels.outcome}`, v.value]),
  )
}

/** name -> single unlabelled value, as a scrape sees it (the labelled dials counter aside). */
async function scrape(registry: Registry): Promise<Record<string, number>> {
  const values: Record<string, number> = {}
  for (const metric of await registry.getMetricsAsJSON()) {
    if (metric.name === DIALS) continue
    expect(metric.values).toHaveLength(1)
    values[metric.name] = metric.values[0]?.value ?? Number.NaN
  }
  return values
}

describe('createP2PMetrics', () => {
  it('registers exactly the 13 metrics of the spec plus the routing table size, the bootstrap peers, the mDNS responses and the dials counter, with their types and help, all but the dials without labels', async () => {
    const registry = new Registry()
    createP2PMetrics(registry, { source: createStubSource() })

    const metrics = await registry.getMetricsAsJSON()
    const types = Object.fromEntries(metrics.map((m) => [m.name, String(m.type)]))
    expect(types).toEqual(EXPECTED_TYPES)
    for (const metric of metrics) {
      expect(metric.help.length).toBeGreaterThan(10)
      if (metric.name !== DIALS) expect(metric.values[0]?.labels).toEqual({})
    }
  })

  it('creates every mechanism/outcome of p2p_discovery_dials_total at 0 and counts dials through onDial', async () => {
    const registry = new Registry()
    const metrics = createP2PMetrics(registry, { source: createStubSource() })
    expect(await scrapeDials(registry)).toEqual({
      'bootstrap/success': 0,
      'bootstrap/failure': 0,
      'mdns/success': 0,
      'mdns/failure': 0,
      'dht/success': 0,
      'dht/failure': 0,
    })
    expect(DISCOVERY_MECHANISMS).toEqual(['bootstrap', 'mdns', 'dht'])
    expect(DIAL_OUTCOMES).toEqual(['success', 'failure'])

    const { onDial } = metrics.discoveryCallbacks
    onDial({ mechanism: 'dht', peerId: 'peerA', outcome: 'success' })
    onDial({ mechanism: 'dht', peerId: 'peerB', outcome: 'success' })
    onDial({ mechanism: 'bootstrap', peerId: 'peerC', outcome: 'failure', error: new Error('x') })
    // names outside the fixed sets never become label values
    onDial({ mechanism: 'rendezvous', peerId: 'peerD', outcome: 'success' })
    onDial({ mechanism: 'mdns', peerId: 'peerE', outcome: 'cancelled' })
    expect(await scrapeDials(registry)).toEqual({
      'bootstrap/success': 0,
      'bootstrap/failure': 1,
      'mdns/success': 0,
      'mdns/failure': 0,
      'dht/success': 2,
      'dht/failure': 0,
    })
    // the spec's discovery counters are fed by their own callbacks, not by onDial
    expect(await scrape(registry)).toMatchObject({
      p2p_discovery_bootstrap_attempt_total: 0,
      p2p_discovery_mdns_connect_fail_total: 0,
    })
    const text = await registry.metrics()
    expect(text).toContain('# TYPE p2p_discovery_dials_total counter')
    expect(text).toContain('p2p_discovery_dials_total{mechanism="dht",outcome="success"} 2')
    expect(text).not.toContain('peerA')
  })

  it('reads the state gauges from the source at scrape time', async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })

    expect(await scrape(registry)).toMatchObject({
      p2p_connections_total: 5,
      p2p_peers_total: 3,
      p2p_bandwidth_in_rate_bytes_per_sec: 1234.5,
      p2p_bandwidth_out_rate_bytes_per_sec: 678,
      p2p_bandwidth_in_total_bytes: 2_099_386,
      p2p_bandwidth_out_total_bytes: 1_048_576,
      p2p_routing_table_size: 7,
    })

    source.current = sampleSnapshot({
      peerIds: ['12D3KooWOnly'],
      connections: 2,
      bandwidth: {
        inTotalBytes: 10,
        outTotalBytes: 20,
        inRateBytesPerSecond: 1,
        outRateBytesPerSecond: 2,
      },
    })
    expect(await scrape(registry)).toMatchObject({
      p2p_connections_total: 2,
      p2p_peers_total: 1,
      p2p_bandwidth_in_rate_bytes_per_sec: 1,
      p2p_bandwidth_out_rate_bytes_per_sec: 2,
      p2p_bandwidth_in_total_bytes: 10,
      p2p_bandwidth_out_total_bytes: 20,
    })
  })

  it('counts the configured bootstrap peers and those connected now, whoever dialled', async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })
    const bootstrapPeer = (peerId: string, connected: boolean): BootstrapPeerFacts => ({
      peerId,
      multiaddr: `/ip4/10.0.0.1/tcp/4001/p2p/${peerId}`,
      connected,
      // no bootstrap dial of this run connected it: it dialled us, or the DHT did
      lastOutcome: 'failure',
      lastDialAt: 1_795_652_000_000,
      errorClass: 'refused',
      error: 'connect ECONNREFUSED 10.0.0.1:4001',
      failingSince: 1_795_651_000_000,
    })
    const withBootstrap = (bootstrap: BootstrapPeerFacts[]): DiagnosticsSnapshot =>
      sampleSnapshot({
        facts: {
          startedAt: 1_795_650_000_000,
          thresholds: {
            minPeers: 3,
            bootstrapFailingMs: 60_000,
            mdnsSilentMs: 30_000,
            routingGraceMs: 60_000,
            readyMinPeers: 1,
          },
          bootstrap,
          mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null },
          addresses: [],
        },
      })
    const bootstrapGauges = async (): Promise<Record<string, number | undefined>> => {
      const values = await scrape(registry)
      return {
        configured: values.p2p_bootstrap_peers,
        connected: values.p2p_bootstrap_peers_connected,
      }
    }

    source.current = withBootstrap([
      bootstrapPeer('12D3KooWBootA', true),
      bootstrapPeer('12D3KooWBootB', false),
      bootstrapPeer('12D3KooWBootC', true),
    ])
    expect(await bootstrapGauges()).toEqual({ configured: 3, connected: 2 })
    source.current = withBootstrap([bootstrapPeer('12D3KooWBootA', false)])
    expect(await bootstrapGauges()).toEqual({ configured: 1, connected: 0 })
    // no bootstrap list (a bootstrap node itself): both 0, which tells "none configured" apart
    source.current = withBootstrap([])
    expect(await bootstrapGauges()).toEqual({ configured: 0, connected: 0 })
    // a source without facts: the configured count of the routing view, none known connected
    source.current = sampleSnapshot()
    expect(await bootstrapGauges()).toEqual({ configured: 2, connected: 0 })
    source.current = undefined
    expect(await bootstrapGauges()).toEqual({ configured: 0, connected: 0 })
  })

  it('reads the source once per scrape and never without a scrape', async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(source.reads).toBe(0)

    await registry.metrics()
    expect(source.reads).toBe(1)
    await registry.getMetricsAsJSON()
    expect(source.reads).toBe(2)
    await Promise.all([registry.metrics(), registry.metrics()])
    expect(source.reads).toBeLessThanOrEqual(4)
  })

  it('reports 0 for the state gauges while the source is not ready, or fails', async () => {
    const notReady = new Registry()
    createP2PMetrics(notReady, { source: createStubSource(undefined) })
    const failing = new Registry()
    createP2PMetrics(failing, { source: createThrowingSource() })

    for (const registry of [notReady, failing]) {
      const values = await scrape(registry)
      expect(Object.keys(values)).toHaveLength(Object.keys(EXPECTED_TYPES).length - 1)
      for (const value of Object.values(values)) expect(value).toBe(0)
    }
  })

  it('counts discovery events through the callbacks, with Unix-second timestamps', async () => {
    const registry = new Registry()
    const { discoveryCallbacks } = createP2PMetrics(registry, { source: createStubSource() })

    let values = await scrape(registry)
    expect(values.p2p_discovery_last_bootstrap_unixtime).toBe(0)
    expect(values.p2p_discovery_last_mdns_found_unixtime).toBe(0)

    const before = Math.floor(Date.now() / 1000)
    discoveryCallbacks.onBootstrapAttempt('peerA')
    discoveryCallbacks.onBootstrapAttempt('peerB')
    discoveryCallbacks.onBootstrapAttempt('peerB')
    discoveryCallbacks.onBootstrapSuccess('peerA')
    discoveryCallbacks.onBootstrapFailure('peerB', new Error('dial refused'))
    discoveryCallbacks.onMdnsPeerFound('peerC')
    discoveryCallbacks.onMdnsPeerFound('peerD')
    // every answer, finds and repeats alike; only the finds above move the found counter
    for (const peer of ['peerC', 'peerD', 'peerC', 'peerC']) discoveryCallbacks.onMdnsResponse(peer)
    discoveryCallbacks.onMdnsConnectSuccess('peerC')
    discoveryCallbacks.onMdnsConnectFail('peerD', new Error('timeout'))
    const after = Math.ceil(Date.now() / 1000)

    values = await scrape(registry)
    expect(values).toMatchObject({
      p2p_discovery_bootstrap_attempt_total: 3,
      p2p_discovery_bootstrap_success_total: 1,
      p2p_discovery_mdns_peer_found_total: 2,
      p2p_discovery_mdns_responses_total: 4,
      p2p_discovery_mdns_connect_success_total: 1,
      p2p_discovery_mdns_connect_fail_total: 1,
    })
    for (const name of [
      'p2p_discovery_last_bootstrap_unixtime',
      'p2p_discovery_last_mdns_found_unixtime',
    ]) {
      expect(Number.isInteger(values[name])).toBe(true)
      expect(values[name]).toBeGreaterThanOrEqual(before)
      expect(values[name]).toBeLessThanOrEqual(after)
    }
  })

  it('callbacks only count: they never touch a metric handle, so they never throw', async () => {
    const registry = new Registry()
    const metrics = createP2PMetrics(registry, { source: createStubSource() })
    // handles that throw, as prom-client does on misuse
    const broken = (): never => {
      throw new Error('broken')
    }
    for (const handle of [
      metrics.bootstrapAttempts,
      metrics.bootstrapSuccesses,
      metrics.mdnsPeersFound,
      metrics.mdnsResponses,
      metrics.mdnsConnectSuccesses,
      metrics.mdnsConnectFailures,
    ]) {
      handle.inc = broken
    }
    metrics.lastBootstrapUnixtime.set = broken
    metrics.lastMdnsFoundUnixtime.set = broken
    metrics.discoveryDials.inc = broken
    const { onDial, ...rest } = metrics.discoveryCallbacks
    const callbacks = Object.values(rest) as Array<(peerId: string, error: Error) => void>
    expect(callbacks).toHaveLength(7)
    for (const callback of callbacks) expect(() => callback('peer', new Error('x'))).not.toThrow()
    expect(() => onDial({ mechanism: 'dht', peerId: 'peer', outcome: 'success' })).not.toThrow()
    expect(metrics.discovery.counts()).toMatchObject({
      bootstrap: { attempts: 1, successes: 1 },
      mdns: { found: 1, responses: 1, connected: 1, failed: 1 },
      dials: { dht: { connected: 1, failed: 0 } },
    })
  })

  it('keeps two nodes apart in one process and leaves the global registry empty', async () => {
    const first = new Registry()
    const second = new Registry()
    const a = createP2PMetrics(first, {
      source: createStubSource(sampleSnapshot({ connections: 1 })),
    })
    createP2PMetrics(second, { source: createStubSource(sampleSnapshot({ connections: 9 })) })

    a.discoveryCallbacks.onMdnsPeerFound('peer')
    const [one, two] = await Promise.all([scrape(first), scrape(second)])
    expect(one.p2p_connections_total).toBe(1)
    expect(two.p2p_connections_total).toBe(9)
    expect(one.p2p_discovery_mdns_peer_found_total).toBe(1)
    expect(two.p2p_discovery_mdns_peer_found_total).toBe(0)
    expect(globalRegistry.getMetricsAsArray()).toHaveLength(0)
  })

  it('refuses a second set of metrics on the same registry', () => {
    const registry = new Registry()
    createP2PMetrics(registry, { source: createStubSource() })
    expect(() => createP2PMetrics(registry, { source: createStubSource() })).toThrow(
      /already been registered/,
    )
  })
})
