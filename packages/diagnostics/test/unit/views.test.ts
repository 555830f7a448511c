import { describe, expect, it } from '@jest/globals'
import { VIEWS, VIEW_NAMES, checkBody, isViewName } from '../../src/index.js'
import type { View } from '../../src/index.js'
import { sampleSnapshot } from './stub-source.js'

const entries = VIEW_NAMES.map((name): [string, View] => [name, VIEWS[name]])

describe('the view table', () => {
  it('lists the views of the contract first, in order', () => {
    expect(VIEW_NAMES.slice(0, 5)).toEqual(['peers', 'connections', 'stats', 'health', 'routing'])
    expect(isViewName('health')).toBe(true)
    expect(isViewName('toString')).toBe(false)
  })

  it.each(entries)('%s: its path is /debug/p2p/<name>, its description one line', (name, view) => {
    expect(view.path).toBe(`/debug/p2p/${name}`)
    expect(view.description).toMatch(/^[a-z][^\n]{9,80}$/)
  })

  it.each(entries)('%s: the mapper answers every required key', (_name, view) => {
    const body = view.fromSnapshot(sampleSnapshot())
    expect(checkBody(body, view.required)).toEqual([])
    expect(Object.keys(view.required).length).toBeGreaterThan(0)
  })

  it.each(entries)('%s: the table shows every key of the body', (_name, view) => {
    const body = view.fromSnapshot(sampleSnapshot())
    const table = view.render(body)
    for (const key of Object.keys(body)) expect(table).toContain(key)
    expect(table.endsWith('\n')).toBe(false)
  })

  it('reads a broken counter as 0: JSON has no NaN', () => {
    const body = VIEWS.stats.fromSnapshot(
      sampleSnapshot({
        connections: Number.NaN,
        bandwidth: {
          inTotalBytes: Number.POSITIVE_INFINITY,
          outTotalBytes: 1,
          inRateBytesPerSecond: Number.NaN,
          outRateBytesPerSecond: 2,
        },
      }),
    )
    expect(body).toMatchObject({
      connections: 0,
      bandwidth: { in_rate_bps: 0, out_rate_bps: 2, in_total_bytes: 0, out_total_bytes: 1 },
    })
  })

  it('stats: the discovery counts of the snapshot as an extra key, a broken one as 0', () => {
    const dials = { connected: 2, failed: 1 }
    const body = VIEWS.stats.fromSnapshot(
      sampleSnapshot({
        discovery: {
          bootstrap: { attempts: 4, successes: Number.NaN },
          mdns: { found: 3, responses: 12, connected: 2, failed: 1 },
          dials: { bootstrap: dials, mdns: { connected: 2, failed: 0 }, dht: dials },
        },
      }),
    )
    expect(body.discovery).toEqual({
      bootstrap: { attempts: 4, successes: 0 },
      mdns: { found: 3, responses: 12, connected: 2, failed: 1 },
      dials: { bootstrap: dials, mdns: { connected: 2, failed: 0 }, dht: dials },
    })
    // an extra key: the required keys of the contract stay as they were
    expect(Object.keys(VIEWS.stats.required).some((key) => key.startsWith('discovery'))).toBe(false)
    expect(VIEWS.stats.render(body)).toContain('discovery')
  })

  // DESIGN.md: `diag health` exits 0 only for `ok`; an isolated node is down, a degraded one fails too
  it('health is unhealthy without peers, and whenever it is not ok', () => {
    const { health } = sampleSnapshot()
    const mdnsUp = { ...health, mdns: { enabled: true, available: true } }
    const alone = VIEWS.health.fromSnapshot(sampleSnapshot({ peerIds: [], health: mdnsUp }))
    expect(alone.status).toBe('down')
    expect(VIEWS.health.unhealthy?.(alone)).toBe('no connected peers')

    const degraded = VIEWS.health.fromSnapshot(sampleSnapshot())
    expect(degraded.status).toBe('degraded')
    expect(VIEWS.health.unhealthy?.(degraded)).toMatch(/^mDNS is enabled but .* \(degraded\)$/)

    const ok = VIEWS.health.fromSnapshot(sampleSnapshot({ health: mdnsUp }))
    // a note (the sample is private, reachable through its relay) leaves it ok
    expect(ok).toMatchObject({ status: 'ok', reasons: [{ code: 'reachable_via_relay' }] })
    expect(VIEWS.health.unhealthy?.(ok)).toBeUndefined()
  })
})

describe('checkBody', () => {
  const { required } = VIEWS.stats

  it('names each missing or mistyped key, nested ones dotted', () => {
    expect(
      checkBody(
        { peers: '2', connections: 1, host_id: 'x', bandwidth: { in_rate_bps: 1 } },
        required,
      ),
    ).toEqual([
      'peers is string, expected number',
      'bandwidth.out_rate_bps is undefined, expected number',
      'bandwidth.in_total_bytes is undefined, expected number',
      'bandwidth.out_total_bytes is undefined, expected number',
    ])
  })

  it('refuses what is not an object', () => {
    expect(checkBody([], required)).toEqual(['the body is array, expected object'])
    expect(checkBody(null, required)).toEqual(['the body is null, expected object'])
    expect(checkBody('{}', required)).toEqual(['the body is string, expected object'])
  })

  it('allows more keys than required', () => {
    expect(checkBody({ connections: 1, extra: [1] }, VIEWS.connections.required)).toEqual([])
  })
})
