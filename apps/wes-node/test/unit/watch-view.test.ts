/**
 * The watch view's pure parts: the model (history, rates, the node going away and coming back),
 * the chart, the discovery counts of the stats view, the screen at 80x24 and smaller, and the
 * lines printed when stdout is not a terminal.
 */
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_HEALTH_THRESHOLDS } from '@wes/diagnostics'
import type { DiagnosticsSnapshot } from '@wes/diagnostics'
import { VIEWS } from '@wes/diagnostics/client'
import { GAP, chartRows } from '../../src/cmds/diag/watch/chart.js'
import { discoveryCountsOf } from '../../src/cmds/diag/watch/discovery.js'
import type { DiscoveryCounts } from '../../src/cmds/diag/watch/discovery.js'
import { wantsColour } from '../../src/cmds/diag/watch/handler.js'
import { jsonLine, plainLine } from '../../src/cmds/diag/watch/line.js'
import {
  MAX_EVENTS,
  applyReading,
  discoveryRates,
  initialWatchState,
} from '../../src/cmds/diag/watch/model.js'
import type { WatchState } from '../../src/cmds/diag/watch/model.js'
import type { Failure, Reading } from '../../src/cmds/diag/watch/read-sample.js'
import { fitLine, watchScreen, wrapText } from '../../src/cmds/diag/watch/screen.js'
import type { ScreenLine } from '../../src/cmds/diag/watch/screen.js'

const T0 = Date.parse('2026-12-02T06:00:00.000Z')

/**
 * A node with `peers` peers moving `inBytesPerSecond` in and half that out; mDNS off, minPeers 3,
 * reachability unknown: below_min_peers is its one reason while it has a peer.
 */
function snapshot(peers: number, inBytesPerSecond = 0): DiagnosticsSnapshot {
  return {
    hostId: '12D3KooWHost',
    peerIds: Array.from({ length: peers }, (_, i) => `12D3KooWPeer${i}`),
    connections: peers,
    listenAddrs: ['/ip4/127.0.0.1/tcp/28680/p2p/12D3KooWHost'],
    bandwidth: {
      inTotalBytes: 10_000,
      outTotalBytes: 5_000,
      inRateBytesPerSecond: inBytesPerSecond,
      outRateBytesPerSecond: inBytesPerSecond / 2,
    },
    health: {
      reachability: 'unknown',
      autoNATStatus: 'unknown',
      relay: { enabled: true, server: false, reservations: 0 },
      mdns: { enabled: false, available: false },
    },
    routing: { routingTableSize: peers, mode: 'server', currentMode: 'server', bootstrapPeers: 0 },
    facts: {
      startedAt: T0 - 65_000,
      thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, minPeers: 3 },
      bootstrap: [],
      mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null },
      addresses: [],
    },
  }
}

function counts(bootstrapAttempts: number, more: Partial<DiscoveryCounts> = {}): DiscoveryCounts {
  return {
    bootstrap_attempts: bootstrapAttempts,
    bootstrap_successes: 0,
    mdns_found: 0,
    mdns_connected: 0,
    mdns_failed: 0,
    ...more,
  }
}

function answered(at: number, peers = 1, inBytesPerSecond = 0, discovery = counts(0)): Reading {
  const node = snapshot(peers, inBytesPerSecond)
  return {
    at,
    sample: {
      at,
      health: VIEWS.health.fromSnapshot(node),
      stats: VIEWS.stats.fromSnapshot(node),
      routing: VIEWS.routing.fromSnapshot(node),
      discovery,
    },
  }
}

const REFUSED: Failure = {
  kind: 'unreachable',
  message:
    'cannot reach wes-node diagnostics at 127.0.0.1:28686: connection refused (is the node running, with diagnostics enabled?)',
}

function failed(at: number, failure: Failure = REFUSED): Reading {
  return { at, failure }
}

function start(historyLength = 10): WatchState {
  return initialWatchState({
    addr: '127.0.0.1:28686',
    intervalMs: 1_000,
    historyLength,
    now: T0,
  })
}

function replay(readings: Reading[], state = start()): WatchState {
  return readings.reduce(applyReading, state)
}

function text(lines: ScreenLine[]): string[] {
  return lines.map((line) => line.map((segment) => segment.text).join(''))
}

describe('watch model', () => {
  it('is waiting until the first answer, then up with the latest sample', () => {
    let state = replay([failed(T0)])
    expect(state.link).toBe('waiting')
    expect(state.failure).toMatchObject({ kind: 'unreachable', since: T0 })
    expect(state.event?.kind).toBe('failing')
    expect(state.history).toEqual([])
    state = applyReading(state, answered(T0 + 1_000, 2, 100))
    expect(state.link).toBe('up')
    expect(state.failure).toBeUndefined()
    // not "back": it was never there
    expect(state.event).toMatchObject({
      kind: 'back',
      text: 'node answers, after 1 s without an answer',
    })
    expect(applyReading(start(), answered(T0)).event).toBeUndefined()
    expect(state.last?.stats.peers).toBe(2)
    expect(state.history).toHaveLength(1)
  })

  it('says when the node goes away and when it is back, keeping its last answer', () => {
    const away = replay([answered(T0, 2), failed(T0 + 1_000), failed(T0 + 2_000)])
    expect(away.link).toBe('down')
    expect(away.last?.at).toBe(T0)
    expect(away.failure?.since).toBe(T0 + 1_000)
    expect(away.event).toBeUndefined() // said once, at the first failed read
    expect(away.events.map((event) => event.text)).toEqual([`node went away: ${REFUSED.message}`])
    const back = applyReading(away, answered(T0 + 13_000, 1))
    expect(back.link).toBe('up')
    expect(back.event).toMatchObject({ kind: 'back', text: 'node is back after 12 s' })
    expect(back.events).toHaveLength(2)
  })

  it('a new reason for failing is a new event; the time since stays per reason', () => {
    const notReady: Failure = { kind: 'not_ready', message: 'node is not ready at x: starting' }
    const state = replay([answered(T0), failed(T0 + 1_000, notReady), failed(T0 + 2_000)])
    expect(state.events.map((event) => event.kind)).toEqual(['away', 'failing'])
    expect(state.failure).toMatchObject({ kind: 'unreachable', since: T0 + 2_000 })
  })

  it('keeps a bounded history, with gaps where the node did not answer', () => {
    const readings = Array.from({ length: 25 }, (_, i) =>
      i % 5 === 4 ? failed(T0 + i * 1_000) : answered(T0 + i * 1_000, 1, i),
    )
    const state = replay(readings)
    expect(state.history).toHaveLength(10)
    expect(state.history.map((point) => point.inBytesPerSecond)).toEqual([
      15,
      16,
      17,
      18,
      null,
      20,
      21,
      22,
      23,
      null,
    ])
    expect(state.events.length).toBeLessThanOrEqual(MAX_EVENTS)
  })

  it('discovery rates per minute over the last minute, restarting with the counters', () => {
    const state = replay(
      [0, 1, 2, 3].map((i) => answered(T0 + i * 10_000, 1, 0, counts(i * 2))),
      start(100),
    )
    // 6 more attempts in 30 s
    expect(discoveryRates(state.history)?.bootstrap_attempts).toBeCloseTo(12)
    // the node restarted: its counters went back to 1, then 2 ten seconds later
    const restarted = replay(
      [answered(T0 + 40_000, 1, 0, counts(1)), answered(T0 + 50_000, 1, 0, counts(2))],
      state,
    )
    expect(discoveryRates(restarted.history)?.bootstrap_attempts).toBeCloseTo(6)
    // older than a minute does not count
    const later = replay([answered(T0 + 200_000, 1, 0, counts(2))], restarted)
    expect(discoveryRates(later.history)?.bootstrap_attempts).toBeUndefined()
    expect(discoveryRates([])).toBeUndefined()
  })
})

describe('watch chart', () => {
  it('scales to the largest value, newest at the right, zero a baseline and gaps dotted', () => {
    expect(chartRows([0, 4, 8], 4, 1)).toEqual([' ▁▄█'])
    expect(chartRows([8, null, 1], 3, 2)).toEqual(['█  ', `█${GAP}▂`])
    expect(chartRows([1, 2, 3, 4, 5], 2, 1)).toEqual(['▆█'])
    expect(chartRows([], 3, 1)).toEqual(['   '])
    for (const row of chartRows([5, 0, null, 7], 30, 4)) expect(row).toHaveLength(30)
  })
})

describe('discovery counts from the stats view', () => {
  const stats = VIEWS.stats.fromSnapshot(snapshot(1, 0))
  const discovery = {
    bootstrap: { attempts: 7, successes: 5 },
    mdns: { found: 2, responses: 9, connected: 1, failed: 1 },
    dials: {
      bootstrap: { connected: 5, failed: 2 },
      mdns: { connected: 1, failed: 1 },
      dht: { connected: 0, failed: 0 },
    },
  }

  it('reads the five counts of its discovery key', () => {
    expect(discoveryCountsOf({ ...stats, discovery })).toEqual({
      bootstrap_attempts: 7,
      bootstrap_successes: 5,
      mdns_found: 2,
      mdns_connected: 1,
      mdns_failed: 1,
    })
  })

  it('reads nothing from an older node without the key, or from a key that is not the counts', () => {
    expect(discoveryCountsOf(stats)).toBeUndefined()
    const broken = [
      null,
      'counts',
      {},
      { ...discovery, mdns: undefined },
      { ...discovery, bootstrap: { attempts: '7', successes: 5 } },
    ]
    for (const value of broken) {
      expect(discoveryCountsOf({ ...stats, discovery: value } as never)).toBeUndefined()
    }
  })
})

describe('watch screen', () => {
  const many: Failure = { kind: 'unauthorized', message: 'not authorized at x: '.repeat(20) }
  const states: Array<[string, WatchState]> = [
    ['waiting', start()],
    ['no answer yet', replay([failed(T0)])],
    ['up', replay([answered(T0, 1, 2048), answered(T0 + 1_000, 1, 4096)])],
    [
      'away, many events',
      replay(
        Array.from({ length: 30 }, (_, i) =>
          i % 2 === 0 ? answered(T0 + i * 1_000, 0) : failed(T0 + i * 1_000),
        ),
      ),
    ],
    ['token refused', replay([answered(T0), failed(T0 + 1_000, many)])],
  ]

  it.each(states)('%s: fits 80x24, 40x12 and 120x40, one segment per line at least', (_, state) => {
    for (const [width, height] of [
      [80, 24],
      [40, 12],
      [120, 40],
      [20, 5],
    ] as const) {
      const lines = text(watchScreen(state, { width, height }))
      expect(lines.length).toBeLessThanOrEqual(height)
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(width)
      // the time and the way out stay, as long as the address leaves room for them
      if (width >= 40) expect(lines[0]).toMatch(/127\.0\.0\.1:28686 .*\d\d:\d\d:\d\d {2}q quits$/)
    }
  })

  it('shows health, peers, rates, discovery and reachability while the node answers', () => {
    const state = replay([answered(T0, 1, 2048), answered(T0 + 1_000, 1, 4096)])
    const lines = text(watchScreen(state, { width: 80, height: 24 }))
    const screen = lines.join('\n')
    expect(lines[0]).toMatch(
      /^wes-node diag watch {2}127\.0\.0\.1:28686 {2}every 1 s +06:00:01 {2}q quits$/,
    )
    expect(lines[0]).toHaveLength(80)
    expect(lines[1]).toBe('● up  12D3KooWHost  started 1m06s ago')
    expect(screen).toMatch(/^Health {2}degraded {2}1 reason$/m)
    expect(screen).toMatch(/^ {2}! below_min_peers {2}/m)
    expect(screen).toMatch(/^Peers 1 {3}Connections 1 {3}Routing table 1 \(server, server now\)$/m)
    expect(screen).toMatch(/^Reachability unknown {3}AutoNAT unknown {3}Relay on, 0 reservations$/m)
    expect(screen).toMatch(
      /^In {3}4\.0 KiB\/s {3}total 9\.8 KiB {3}peak 4\.0 KiB\/s in the last 1s$/m,
    )
    expect(screen).toMatch(/^Out {2}2\.0 KiB\/s/m)
    // the chart's bottom row: the two reads, the newest at the right edge
    expect(lines).toContain(`  ${' '.repeat(76)}██`)
    expect(screen).toMatch(/^Bootstrap {2}0 dials \(0\.0\/min\)/m)
    expect(screen).toMatch(/^mDNS {7}0 found/m)
    expect(lines.length).toBeLessThanOrEqual(24)
  })

  it('shows a dash for discovery when the node has no counts in its stats (an older node)', () => {
    const older = (at: number): Reading => {
      const reading = answered(at)
      if (!('sample' in reading)) throw new Error('an answered reading')
      const sample = { ...reading.sample }
      delete sample.discovery
      return { at, sample }
    }
    const state = replay([older(T0), older(T0 + 1_000)])
    const screen = text(watchScreen(state, { width: 80, height: 24 })).join('\n')
    expect(screen).toMatch(/^Discovery {2}- \(this node has no discovery counts in its stats\)$/m)
    expect(screen).not.toMatch(/^Bootstrap /m)
    expect(JSON.parse(jsonLine(state))).toMatchObject({
      discovery: null,
      discovery_per_minute: null,
    })
    expect(plainLine(state)).not.toContain('bootstrap=')
  })

  it('gives the charts more rows on a taller terminal', () => {
    const state = replay([answered(T0, 1, 2048), answered(T0 + 1_000, 1, 4096)])
    const chartLines = (height: number): number =>
      text(watchScreen(state, { width: 80, height })).filter((line) => /^ {2} *[▁-█]+$/.test(line))
        .length
    expect(chartLines(40)).toBeGreaterThan(chartLines(20))
    expect(chartLines(12)).toBeGreaterThanOrEqual(2) // one row each, still
  })

  it('says clearly that the node is away, why, and when it came back', () => {
    const away = replay([answered(T0), failed(T0 + 1_000), failed(T0 + 4_000)])
    const lines = text(watchScreen(away, { width: 80, height: 24 }))
    expect(lines[1]).toBe('✕ NODE AWAY  since 06:00:01 (3s); last answer at 06:00:00 shown dimmed')
    expect(lines[2]).toBe(
      '  cannot reach wes-node diagnostics at 127.0.0.1:28686: connection refused (is',
    )
    expect(lines.join('\n')).toMatch(/^ {2}06:00:01 {2}node went away: cannot reach/m)
    // the last answer stays, dimmed
    const segments = watchScreen(away, { width: 80, height: 24 }).flat()
    expect(segments.find((segment) => segment.text.startsWith('Peers'))?.tone).toBe('dim')
    const back = applyReading(away, answered(T0 + 9_000))
    expect(text(watchScreen(back, { width: 80, height: 24 })).join('\n')).toMatch(
      /^ {2}06:00:09 {2}node is back after 8 s$/m,
    )
  })

  it('names a refused token as such', () => {
    const refused: Failure = {
      kind: 'unauthorized',
      message: 'not authorized at 127.0.0.1:1: the bearer token is not valid (give ...)',
    }
    const lines = text(watchScreen(replay([failed(T0, refused)]), { width: 80, height: 24 }))
    expect(lines[1]).toMatch(/^✕ TOKEN REFUSED {2}since 06:00:00/)
    expect(lines[2]).toMatch(/^ {2}not authorized at 127\.0\.0\.1:1: the bearer token is not valid/)
  })

  it('cuts and wraps text to the width', () => {
    expect(fitLine([{ text: 'abc' }, { text: 'defgh' }], 6)).toEqual([
      { text: 'abc' },
      { text: 'de…' },
    ])
    expect(fitLine([{ text: 'abc' }, { text: 'def' }], 3)).toEqual([{ text: 'ab…' }])
    expect(fitLine([{ text: 'abc' }], 3)).toEqual([{ text: 'abc' }])
    expect(wrapText('one two three four', 9, 2)).toEqual(['one two', 'three four'])
    expect(wrapText('one two three four', 9, 5)).toEqual(['one two', 'three', 'four'])
  })
})

describe('watch lines (stdout not a terminal)', () => {
  it('one plain line per read, with the event when something changed', () => {
    const up = replay([answered(T0, 1, 2048, counts(3, { bootstrap_successes: 2 }))])
    expect(plainLine(up)).toBe(
      '2026-12-02T06:00:00.000Z up status=degraded reasons=below_min_peers peers=1 conns=1 in=2.0KiB/s out=1.0KiB/s routing=1 reach=unknown relay=on bootstrap=2/3 mdns=0/0/0',
    )
    const away = applyReading(up, failed(T0 + 1_000))
    expect(plainLine(away)).toBe(
      `2026-12-02T06:00:01.000Z down unreachable: ${REFUSED.message} | node went away: ${REFUSED.message}`,
    )
    const back = applyReading(away, answered(T0 + 3_000))
    expect(plainLine(back)).toMatch(/ peers=1 .* \| node is back after 2 s$/)
  })

  it('one JSON object per read, with the numbers or the error', () => {
    const up = replay([answered(T0, 1, 2048), answered(T0 + 30_000, 1, 0, counts(2))])
    const record = JSON.parse(jsonLine(up)) as Record<string, unknown>
    expect(record).toMatchObject({
      time: '2026-12-02T06:00:30.000Z',
      addr: '127.0.0.1:28686',
      link: 'up',
      status: 'degraded',
      reasons: ['below_min_peers'],
      peers: 1,
      connections: 1,
      in_rate_bps: 0,
      routing_table_size: 1,
      reachability: 'unknown',
      relay: { enabled: true, reservations: 0 },
      discovery: counts(2),
      discovery_per_minute: { bootstrap_attempts: 4 },
    })
    const away = JSON.parse(jsonLine(applyReading(up, failed(T0 + 31_000)))) as Record<
      string,
      unknown
    >
    expect(away).toEqual({
      time: '2026-12-02T06:00:31.000Z',
      addr: '127.0.0.1:28686',
      link: 'down',
      error: REFUSED,
      since: '2026-12-02T06:00:31.000Z',
      event: `node went away: ${REFUSED.message}`,
    })
  })
})

describe('watch colours', () => {
  const terminal = { write: () => true, isTTY: true, hasColors: () => true }
  it('only on a terminal that has them, never with NO_COLOR', () => {
    expect(wantsColour(terminal, {})).toBe(true)
    expect(wantsColour(terminal, { NO_COLOR: '1' })).toBe(false)
    expect(wantsColour(terminal, { NO_COLOR: '' })).toBe(true)
    expect(wantsColour({ ...terminal, hasColors: () => false }, {})).toBe(false)
    expect(wantsColour({ write: () => true }, {})).toBe(false)
  })
})
