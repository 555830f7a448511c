import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import {
  createNetworkMetrics,
  DIAL_ERROR_REASONS,
  MAX_PROTOCOL_LABELS,
  NETWORK_METRICS,
} from '../../src/index.js'
import type { BandwidthSnapshot, DiagnosticsSnapshot } from '../../src/index.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'

/** `label=value,...` -> value, for each series of one metric. */
async function series(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [
      Object.entries(v.labels)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(','),
      v.value,
    ]),
  )
}

function bytes(inTotalBytes: number, outTotalBytes: number): BandwidthSnapshot {
  return { inTotalBytes, outTotalBytes, inRateBytesPerSecond: 0, outRateBytesPerSecond: 0 }
}

function withProtocols(
  protocols: Record<string, BandwidthSnapshot>,
  startedAt = 1_000,
): DiagnosticsSnapshot {
  const base = sampleSnapshot()
  return {
    ...base,
    protocols,
    facts: {
      startedAt,
      thresholds: {
        minPeers: 3,
        bootstrapFailingMs: 60_000,
        mdnsSilentMs: 30_000,
        routingGraceMs: 60_000,
        readyMinPeers: 1,
      },
      bootstrap: [],
      mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null },
      addresses: [],
    },
  }
}

describe('createNetworkMetrics', () => {
  it('registers the metrics of its table, with help', async () => {
    const registry = new Registry()
    createNetworkMetrics(registry, { source: createStubSource() })
    const metrics = await registry.getMetricsAsJSON()
    expect(Object.fromEntries(metrics.map((m) => [m.name, String(m.type)]))).toEqual(
      NETWORK_METRICS,
    )
    for (const metric of metrics) expect(metric.help.length).toBeGreaterThan(10)
  })

  describe('p2p_protocol_bytes_total', () => {
    const NAME = 'p2p_protocol_bytes_total'

    it('has other at 0 before any snapshot, then every protocol of the snapshot, both directions', async () => {
      const registry = new Registry()
      const source = createStubSource(undefined)
      createNetworkMetrics(registry, { source })
      expect(await series(registry, NAME)).toEqual({
        'direction=in,protocol=other': 0,
        'direction=out,protocol=other': 0,
      })

      source.current = withProtocols({
        '/ipfs/ping/1.0.0': bytes(64, 32),
        '/wes/kad/1.0.0': bytes(0, 0),
        other: bytes(5, 7),
      })
      expect(await series(registry, NAME)).toEqual({
        'direction=in,protocol=other': 5,
        'direction=out,protocol=other': 7,
        'direction=in,protocol=/ipfs/ping/1.0.0': 64,
        'direction=out,protocol=/ipfs/ping/1.0.0': 32,
        'direction=in,protocol=/wes/kad/1.0.0': 0,
        'direction=out,protocol=/wes/kad/1.0.0': 0,
      })
    })

    it('follows the totals, never goes down when the node restarts, and keeps its series while stopped', async () => {
      const registry = new Registry()
      const source = createStubSource(withProtocols({ '/p': bytes(100, 10), other: bytes(0, 0) }))
      createNetworkMetrics(registry, { source })
      await series(registry, NAME)
      source.current = withProtocols({ '/p': bytes(150, 10), other: bytes(0, 0) })
      expect((await series(registry, NAME))['direction=in,protocol=/p']).toBe(150)
      // a restart: the node counts from 0 again, the counter goes on
      source.current = withProtocols({ '/p': bytes(400, 0), other: bytes(0, 0) }, 2_000)
      expect((await series(registry, NAME))['direction=in,protocol=/p']).toBe(550)
      source.current = undefined
      expect((await series(registry, NAME))['direction=in,protocol=/p']).toBe(550)
      // a restart seen only as totals that went down (a source without facts)
      source.current = { ...sampleSnapshot(), protocols: { '/p': bytes(50, 0) } }
      expect((await series(registry, NAME))['direction=in,protocol=/p']).toBe(600)
    })

    it('names at most MAX_PROTOCOL_LABELS protocols; the rest add up under other', async () => {
      const registry = new Registry()
      const many = Object.fromEntries(
        Array.from({ length: MAX_PROTOCOL_LABELS + 20 }, (_, i) => [`/p/${i}`, bytes(1, 1)]),
      )
      createNetworkMetrics(registry, { source: createStubSource(withProtocols(many)) })
      const found = await series(registry, NAME)
      expect(Object.keys(found)).toHaveLength(2 * MAX_PROTOCOL_LABELS)
      expect(found['direction=in,protocol=other']).toBe(21)
    })
  })

  describe('connections', () => {
    it('creates every direction/transport (and reason) at 0 and counts what the callbacks report', async () => {
      const registry = new Registry()
      const { networkCallbacks } = createNetworkMetrics(registry, { source: createStubSource() })
      const opened = await series(registry, 'p2p_connections_opened_total')
      expect(Object.keys(opened)).toHaveLength(2 * 3)
      expect(Object.values(opened).every((v) => v === 0)).toBe(true)
      expect(Object.keys(await series(registry, 'p2p_connections_closed_total'))).toHaveLength(
        2 * 3 * 5,
      )

      networkCallbacks.onConnectionOpen({ direction: 'inbound', transport: 'tcp' })
      networkCallbacks.onConnectionOpen({ direction: 'outbound', transport: 'circuit-relay' })
      networkCallbacks.onConnectionClose({
        direction: 'inbound',
        transport: 'tcp',
        reason: 'remote',
        durationMs: 90_000,
      })
      // values outside the fixed sets are never label values
      networkCallbacks.onConnectionOpen({ direction: 'sideways', transport: 'tcp' })
      networkCallbacks.onConnectionOpen({ direction: 'inbound', transport: '/ip4/6.6.6.6/tcp/1' })
      networkCallbacks.onConnectionClose({
        direction: 'inbound',
        transport: 'tcp',
        reason: '12D3KooWPeer',
        durationMs: 1,
      })

      expect(await series(registry, 'p2p_connections_opened_total')).toMatchObject({
        'direction=inbound,transport=tcp': 1,
        'direction=outbound,transport=circuit-relay': 1,
        'direction=outbound,transport=tcp': 0,
      })
      const closed = await series(registry, 'p2p_connections_closed_total')
      expect(closed['direction=inbound,transport=tcp,reason=remote']).toBe(1)
      expect(Object.values(closed).reduce((a, b) => a + b, 0)).toBe(1)
      expect(Object.keys(closed)).toHaveLength(2 * 3 * 5)
      const duration = await series(registry, 'p2p_connection_duration_seconds')
      expect(duration).toMatchObject({ 'le=60': 0, 'le=300': 1, 'le=+Inf': 1 })
      const text = await registry.metrics()
      expect(text).toContain('p2p_connection_duration_seconds_sum 90')
      expect(text).toContain('p2p_connection_duration_seconds_count 1')
    })

    it('a callback never throws, whatever it is given', () => {
      const { networkCallbacks } = createNetworkMetrics(new Registry(), {
        source: createStubSource(),
      })
      expect(() =>
        networkCallbacks.onConnectionClose(
          null as unknown as Parameters<typeof networkCallbacks.onConnectionClose>[0],
        ),
      ).not.toThrow()
    })
  })

  describe('dials', () => {
    it('creates both outcomes and every error class at 0, times each dial and counts failures by class', async () => {
      const registry = new Registry()
      const { networkCallbacks } = createNetworkMetrics(registry, { source: createStubSource() })
      expect(await series(registry, 'p2p_dial_errors_total')).toEqual(
        Object.fromEntries(DIAL_ERROR_REASONS.map((reason) => [`reason=${reason}`, 0])),
      )
      const text = await registry.metrics()
      expect(text).toContain('p2p_dial_duration_seconds_count{outcome="success"} 0')
      expect(text).toContain('p2p_dial_duration_seconds_count{outcome="failure"} 0')

      networkCallbacks.onDialEnd({ outcome: 'success', durationMs: 40 })
      networkCallbacks.onDialEnd({ outcome: 'failure', durationMs: 3, errorClass: 'refused' })
      networkCallbacks.onDialEnd({ outcome: 'failure', durationMs: 10_000, errorClass: 'timeout' })
      // an unknown class counts as other; an unknown outcome not at all
      networkCallbacks.onDialEnd({ outcome: 'failure', durationMs: 1, errorClass: 'EWEIRD' })
      networkCallbacks.onDialEnd({ outcome: 'maybe', durationMs: 1 })

      expect(await series(registry, 'p2p_dial_errors_total')).toMatchObject({
        'reason=refused': 1,
        'reason=timeout': 1,
        'reason=other': 1,
        'reason=handshake': 0,
      })
      const after = await registry.metrics()
      expect(after).toContain('p2p_dial_duration_seconds_count{outcome="success"} 1')
      expect(after).toContain('p2p_dial_duration_seconds_count{outcome="failure"} 3')
      expect(after).toContain('p2p_dial_duration_seconds_bucket{le="0.05",outcome="success"} 1')
      expect(after).toContain('p2p_dial_duration_seconds_bucket{le="5",outcome="failure"} 2')
      expect(after).not.toContain('maybe')
    })
  })

  describe('pings', () => {
    it('observes each round trip in seconds, across peers, with no label', async () => {
      const registry = new Registry()
      const { networkCallbacks } = createNetworkMetrics(registry, { source: createStubSource() })
      expect(await registry.metrics()).toContain('p2p_ping_rtt_seconds_count 0')
      networkCallbacks.onPing({ rttMs: 3 })
      networkCallbacks.onPing({ rttMs: 120 })
      networkCallbacks.onPing({ rttMs: Number.NaN })
      const text = await registry.metrics()
      expect(text).toContain('p2p_ping_rtt_seconds_count 2')
      expect(text).toContain('p2p_ping_rtt_seconds_bucket{le="0.005"} 1')
      expect(text).toContain('p2p_ping_rtt_seconds_bucket{le="0.25"} 2')
      expect(text).toContain('p2p_ping_rtt_seconds_sum 0.123')
    })
  })
})
