import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import {
  createDiagnosticsApp,
  createDiscoveryTotals,
  createP2PMetrics,
  VIEWS,
  withDiscoveryCounts,
} from '../../src/index.js'
import type { DiscoveryTotals, StatsResponse } from '../../src/index.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'

/** Every kind of discovery event, a few times each. */
function discover(discovery: DiscoveryTotals): void {
  const { callbacks } = discovery
  for (const peer of ['a', 'b', 'b']) callbacks.onBootstrapAttempt(peer)
  callbacks.onBootstrapSuccess('a')
  callbacks.onBootstrapFailure('b', new Error('refused'))
  callbacks.onMdnsPeerFound('c')
  callbacks.onMdnsPeerFound('d')
  for (const peer of ['c', 'd', 'c', 'c']) callbacks.onMdnsResponse(peer)
  callbacks.onMdnsConnectSuccess('c')
  callbacks.onMdnsConnectFail('d', new Error('timeout'))
  callbacks.onDial({ mechanism: 'bootstrap', peerId: 'a', outcome: 'success' })
  callbacks.onDial({ mechanism: 'bootstrap', peerId: 'b', outcome: 'failure' })
  callbacks.onDial({ mechanism: 'bootstrap', peerId: 'b', outcome: 'failure' })
  callbacks.onDial({ mechanism: 'mdns', peerId: 'c', outcome: 'success' })
  callbacks.onDial({ mechanism: 'dht', peerId: 'e', outcome: 'success' })
  // outside the metric's label sets: not counted anywhere
  callbacks.onDial({ mechanism: 'rendezvous', peerId: 'f', outcome: 'success' })
  callbacks.onDial({ mechanism: 'dht', peerId: 'f', outcome: 'maybe' })
}

/** The body of `GET /debug/p2p/stats` and the `p2p_discovery_*` samples of `GET /metrics`. */
async function readBoth(
  app: ReturnType<typeof createDiagnosticsApp>,
): Promise<{ stats: StatsResponse; samples: Map<string, number> }> {
  const server = app.listen(0, '127.0.0.1')
  try {
    await new Promise<void>((resolve) => server.once('listening', resolve))
    const { port } = server.address() as { port: number }
    const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`)
    const stats = (await (await get('/debug/p2p/stats')).json()) as StatsResponse
    const samples = new Map<string, number>()
    for (const line of (await (await get('/metrics')).text()).split('\n')) {
      const match = /^(p2p_discovery_\S+) (\S+)$/.exec(line)
      if (match !== null) samples.set(match[1] as string, Number(match[2]))
    }
    return { stats, samples }
  } finally {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe('the discovery counts', () => {
  it('start at 0 with every mechanism, and count each event once', () => {
    const discovery = createDiscoveryTotals()
    expect(discovery.counts()).toEqual({
      bootstrap: { attempts: 0, successes: 0 },
      mdns: { found: 0, responses: 0, connected: 0, failed: 0 },
      dials: {
        bootstrap: { connected: 0, failed: 0 },
        mdns: { connected: 0, failed: 0 },
        dht: { connected: 0, failed: 0 },
      },
    })
    expect(discovery.lastBootstrapSuccessAt).toBeNull()
    expect(discovery.lastMdnsFoundAt).toBeNull()
    discover(discovery)
    expect(discovery.counts()).toEqual({
      bootstrap: { attempts: 3, successes: 1 },
      mdns: { found: 2, responses: 4, connected: 1, failed: 1 },
      dials: {
        bootstrap: { connected: 1, failed: 2 },
        mdns: { connected: 1, failed: 0 },
        dht: { connected: 1, failed: 0 },
      },
    })
  })

  it('hand out copies: a reader cannot change the count', () => {
    const discovery = createDiscoveryTotals()
    const read = discovery.counts()
    read.bootstrap.attempts = 99
    read.dials.dht.connected = 99
    expect(discovery.counts().bootstrap.attempts).toBe(0)
    expect(discovery.counts().dials.dht.connected).toBe(0)
  })

  it('keep the times of the last bootstrap success and the last mDNS find', () => {
    let now = 1_700_000_000_500
    const discovery = createDiscoveryTotals(() => now)
    discovery.callbacks.onBootstrapSuccess('a')
    now += 1000
    discovery.callbacks.onMdnsPeerFound('c')
    expect(discovery.lastBootstrapSuccessAt).toBe(1_700_000_000_500)
    expect(discovery.lastMdnsFoundAt).toBe(1_700_000_001_500)
  })

  it('are the same numbers in /metrics and /debug/p2p/stats, one scrape after another', async () => {
    const discovery = createDiscoveryTotals()
    const registry = new Registry()
    const source = withDiscoveryCounts(createStubSource(), discovery)
    const metrics = createP2PMetrics(registry, { source, discovery })
    expect(metrics.discoveryCallbacks).toBe(discovery.callbacks)
    const app = createDiagnosticsApp({ source, registry })

    const check = async (): Promise<void> => {
      const { stats, samples } = await readBoth(app)
      const d = stats.discovery
      expect(d).toBeDefined()
      if (d === undefined) return
      expect({
        p2p_discovery_bootstrap_attempt_total: d.bootstrap.attempts,
        p2p_discovery_bootstrap_success_total: d.bootstrap.successes,
        p2p_discovery_mdns_peer_found_total: d.mdns.found,
        p2p_discovery_mdns_responses_total: d.mdns.responses,
        p2p_discovery_mdns_connect_success_total: d.mdns.connected,
        p2p_discovery_mdns_connect_fail_total: d.mdns.failed,
      }).toEqual({
        p2p_discovery_bootstrap_attempt_total: samples.get('p2p_discovery_bootstrap_attempt_total'),
        p2p_discovery_bootstrap_success_total: samples.get('p2p_discovery_bootstrap_success_total'),
        p2p_discovery_mdns_peer_found_total: samples.get('p2p_discovery_mdns_peer_found_total'),
        p2p_discovery_mdns_responses_total: samples.get('p2p_discovery_mdns_responses_total'),
        p2p_discovery_mdns_connect_success_total: samples.get(
          'p2p_discovery_mdns_connect_success_total',
        ),
        p2p_discovery_mdns_connect_fail_total: samples.get('p2p_discovery_mdns_connect_fail_total'),
      })
      for (const [mechanism, dials] of Object.entries(d.dials)) {
        const sample = (outcome: string) =>
          samples.get(`p2p_discovery_dials_total{mechanism="${mechanism}",outcome="${outcome}"}`)
        expect([dials.connected, dials.failed]).toEqual([sample('success'), sample('failure')])
      }
    }

    await check()
    discover(discovery)
    await check()
    // counted between scrapes: the counters catch up, never count twice
    discover(discovery)
    await check()
    expect((await readBoth(app)).stats.discovery?.bootstrap.attempts).toBe(6)
  })

  it('leave the stats without a discovery key from a source without them', () => {
    const body = VIEWS.stats.fromSnapshot(sampleSnapshot())
    expect('discovery' in body).toBe(false)
  })

  it('are passed through with the source, its detail reads still its own', async () => {
    const discovery = createDiscoveryTotals()
    const stub = createStubSource()
    const calls: unknown[] = []
    const source = withDiscoveryCounts(
      {
        snapshot: () => stub.snapshot(),
        peerDetails: async (query) => {
          calls.push(query)
          return undefined
        },
      },
      discovery,
    )
    expect(source.connectionDetails).toBeUndefined()
    await source.peerDetails?.({ limit: 5, offset: 0 })
    expect(calls).toEqual([{ limit: 5, offset: 0 }])
    stub.current = undefined
    expect(source.snapshot()).toBeUndefined()
  })
})
