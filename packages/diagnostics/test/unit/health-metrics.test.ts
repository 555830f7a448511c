import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { HEALTH_REASON_CODES, VIEWS, createHealthMetrics } from '../../src/index.js'
import { createStubSource, createThrowingSource, sampleSnapshot } from './stub-source.js'

/** `label value -> value` of one labelled metric, as a scrape sees it. */
async function scrape(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [String(Object.values(v.labels)[0]), v.value]),
  )
}

const allZero = Object.fromEntries(HEALTH_REASON_CODES.map((code) => [code, 0]))

describe('createHealthMetrics', () => {
  it('creates p2p_health_status with its three values and every p2p_health_reason at 0', async () => {
    const registry = new Registry()
    const { status, reason } = createHealthMetrics(registry, { source: createStubSource() })
    const created = await Promise.all([status.get(), reason.get()])
    expect(created.map((m) => m.values.length)).toEqual([3, HEALTH_REASON_CODES.length])
    const types = (await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)])
    expect(types).toEqual([
      ['p2p_health_status', 'gauge'],
      ['p2p_health_reason', 'gauge'],
    ])
  })

  it('is the verdict of /debug/p2p/health at scrape time: one-hot status, 1 per active reason', async () => {
    const source = createStubSource()
    const registry = new Registry()
    createHealthMetrics(registry, { source })

    // the sample: mDNS enabled but unavailable
    expect(VIEWS.health.fromSnapshot(sampleSnapshot()).status).toBe('degraded')
    expect(await scrape(registry, 'p2p_health_status')).toEqual({ ok: 0, degraded: 1, down: 0 })
    expect(await scrape(registry, 'p2p_health_reason')).toEqual({
      ...allZero,
      mdns_unavailable: 1,
      // the sample is private with a relay reservation
      reachable_via_relay: 1,
    })

    source.current = sampleSnapshot({ peerIds: [] })
    expect(await scrape(registry, 'p2p_health_status')).toEqual({ ok: 0, degraded: 0, down: 1 })
    expect(await scrape(registry, 'p2p_health_reason')).toEqual({
      ...allZero,
      no_peers: 1,
      mdns_unavailable: 1,
      reachable_via_relay: 1,
    })

    const { health } = sampleSnapshot()
    source.current = sampleSnapshot({
      health: { ...health, mdns: { enabled: false, available: false } },
    })
    expect(await scrape(registry, 'p2p_health_status')).toEqual({ ok: 1, degraded: 0, down: 0 })
    // a note leaves the status ok, and its reason still reads 1
    expect(await scrape(registry, 'p2p_health_reason')).toEqual({
      ...allZero,
      reachable_via_relay: 1,
    })

    const text = await registry.metrics()
    expect(text).toContain('# TYPE p2p_health_status gauge')
    expect(text).toContain('p2p_health_status{status="ok"} 1')
    expect(text).toContain('p2p_health_reason{code="bootstrap_unreachable"} 0')
  })

  it('reads down, with no reason active, while the node does not run or cannot be read', async () => {
    for (const source of [createStubSource(undefined), createThrowingSource()]) {
      const registry = new Registry()
      createHealthMetrics(registry, { source })
      expect(await scrape(registry, 'p2p_health_status')).toEqual({ ok: 0, degraded: 0, down: 1 })
      expect(await scrape(registry, 'p2p_health_reason')).toEqual(allZero)
    }
  })

  it('reads the source once per scrape for both metrics', async () => {
    const source = createStubSource()
    const registry = new Registry()
    createHealthMetrics(registry, { source })
    expect(source.reads).toBe(0)
    await registry.metrics()
    expect(source.reads).toBe(1)
  })
})
