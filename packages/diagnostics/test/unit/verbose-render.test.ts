import { describe, expect, it } from '@jest/globals'
import { MAX_PAGE_LIMIT, VIEWS, parseLimit, parseOffset } from '../../src/index.js'
import type { DetailsQuery } from '../../src/index.js'
import { formatAge, pageLine, printable, renderColumns } from '../../src/views/render.js'
import { T0, createStubDetailsSource, samplePeer } from './stub-details.js'

const QUERY: DetailsQuery = { limit: 100, offset: 0 }

/** A view's verbose body, as the server makes it from the stub node at `now`. */
async function verboseBody<Name extends 'peers' | 'connections' | 'routing'>(
  name: Name,
  now: number,
  source = createStubDetailsSource(),
  query = QUERY,
) {
  const view = VIEWS[name]
  const plain = view.fromSnapshot(source.snapshot() as never)
  const extra = await view.verbose.read(source, query, now)
  return { ...plain, ...extra } as never
}

describe('page rules', () => {
  it('limit: an integer from 1 to 1000', () => {
    expect(parseLimit('1')).toEqual({ ok: true, value: 1 })
    expect(parseLimit(' 1000 ')).toEqual({ ok: true, value: MAX_PAGE_LIMIT })
    expect(parseLimit('007')).toEqual({ ok: true, value: 7 })
    for (const bad of ['0', '1001', '-1', '+5', '1.0', '1e3', '0x10', '', ' ', 'NaN', '١٢']) {
      expect(parseLimit(bad)).toEqual({
        ok: false,
        message: 'limit must be an integer from 1 to 1000',
      })
    }
    expect(parseLimit('0', '--limit')).toEqual({
      ok: false,
      message: '--limit must be an integer from 1 to 1000',
    })
  })

  it('offset: an integer from 0 to 1e9', () => {
    expect(parseOffset('0')).toEqual({ ok: true, value: 0 })
    expect(parseOffset('1000000000')).toEqual({ ok: true, value: 1_000_000_000 })
    expect(parseOffset('1000000001').ok).toBe(false)
    expect(parseOffset('99999999999').ok).toBe(false)
    expect(parseOffset('-0').ok).toBe(false)
  })
})

describe('verbose tables', () => {
  it('ages: seconds, then minutes, hours, days', () => {
    expect(formatAge(0)).toBe('0s')
    expect(formatAge(59_999)).toBe('59s')
    expect(formatAge(65_000)).toBe('1m05s')
    expect(formatAge(3_600_000 + 120_000)).toBe('1h02m')
    expect(formatAge(3 * 86_400_000 + 3_600_000)).toBe('3d01h')
    expect(formatAge(null)).toBe('-')
    expect(formatAge(-5)).toBe('-')
  })

  it('text a peer chose cannot drive the terminal', () => {
    expect(printable('evil\u001b[2J\u0007agent\n')).toBe('evil?[2J?agent?')
    expect(printable('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`)
  })

  it('columns: padded to the widest cell, the last one not', () => {
    expect(
      renderColumns(
        ['A', 'LONG HEADER', 'Z'],
        [
          ['wide cell', 'b', 'end'],
          ['x', 'y', 'z'],
        ],
      ),
    ).toBe(
      [
        'A          LONG HEADER  Z',
        'wide cell  b            end',
        'x          y            z',
      ].join('\n'),
    )
  })

  it('the page line says which items of how many, and how to get more', () => {
    expect(pageLine('peers', { total: 0, offset: 0, count: 0 })).toBe('peers: none')
    expect(pageLine('peers', { total: 3, offset: 0, count: 3 })).toBe('peers: 1-3 of 3')
    expect(pageLine('peers', { total: 250, offset: 0, count: 100 })).toBe(
      'peers: 1-100 of 250 (--offset 100 for more)',
    )
    expect(pageLine('peers', { total: 3, offset: 5, count: 0 })).toBe(
      'peers: none of 3 past offset 5',
    )
  })

  it('peers: one row each, in the server order (the longest connected first)', async () => {
    const now = T0 + 3_600_000
    const body = await verboseBody('peers', now)
    expect(VIEWS.peers.verbose.render(body, now)).toBe(
      [
        'peers: 1-3 of 3',
        'PEER           DIR       VIA     CONNECTED  LATENCY  IN       OUT      ADDRS  PROTOS  AGENT',
        '12D3KooWPeer1  inbound   direct  59m59s     2 ms     1000 B   2.0 KiB  1      2       wes-node/0.1.0 js-libp2p/3.3.11',
        '12D3KooWPeer2  outbound  direct  59m58s     3 ms     2.0 KiB  4.0 KiB  1      2       wes-node/0.1.0 js-libp2p/3.3.11',
        '12D3KooWPeer3  inbound   direct  59m57s     5 ms     2.9 KiB  6.0 KiB  1      2       wes-node/0.1.0 js-libp2p/3.3.11',
        '(addresses and protocols: --json)',
      ].join('\n'),
    )
  })

  it('peers: unknown values read "-", a relayed peer "relayed"', async () => {
    const source = createStubDetailsSource()
    source.peerDetails = async () => ({
      total: 1,
      limit: 100,
      offset: 0,
      items: [
        samplePeer(7, {
          agent: null,
          latencyMs: null,
          inBytes: null,
          outBytes: null,
          relayed: true,
          direction: 'both',
        }),
      ],
    })
    const text = VIEWS.peers.verbose.render(await verboseBody('peers', T0, source), T0 + 7_000)
    expect(text.split('\n')[2]).toMatch(/^12D3KooWPeer7 +both +relayed +0s +- +- +- +1 +2 +-$/)
  })

  it('connections: one row each, the oldest first, streams by protocol', async () => {
    const now = T0 + 10_000
    const source = createStubDetailsSource()
    const original = source.connectionDetails
    source.connectionDetails = async (query) => {
      const page = await original(query)
      const first = page?.items[0]
      if (first !== undefined) {
        first.streams = { '/wes/kad/1.0.0': 2, '/ipfs/ping/1.0.0': 1 }
        first.rttMs = 0.4
        first.limited = true
      }
      return page
    }
    const body = await verboseBody('connections', now, source)
    expect(VIEWS.connections.verbose.render(body)).toBe(
      [
        'connections: 1-3 of 3',
        'ID     PEER           DIR       TRANSPORT      AGE  RTT   IN    OUT   REMOTE ADDR              STREAMS',
        'conn1  12D3KooWPeer1  inbound   tcp (limited)  9s   0 ms  10 B  20 B  /ip4/10.0.0.1/tcp/28680  /wes/kad/1.0.0 x2, /ipfs/ping/1.0.0',
        'conn2  12D3KooWPeer2  outbound  tcp            8s   -     20 B  40 B  /ip4/10.0.0.2/tcp/28680  /ipfs/ping/1.0.0',
        'conn3  12D3KooWPeer3  inbound   tcp            7s   -     30 B  60 B  /ip4/10.0.0.3/tcp/28680  /ipfs/ping/1.0.0',
      ].join('\n'),
    )
  })

  it('routing: the plain rows, then the buckets in prefix order with their fill', async () => {
    const now = T0 + 90_000
    const body = await verboseBody('routing', now)
    expect(VIEWS.routing.verbose.render(body, now)).toBe(
      [
        'routing_table_size   7',
        'mode                 auto',
        'num_bootstrap_peers  2',
        'current_mode         client',
        'buckets: 1-2 of 2',
        'PREFIX  CPL         FILL  LAST PING  LAST REFRESH',
        '0       >=1 (self)  3/20  1m30s ago  -',
        '1       0           3/20  1m30s ago  -',
      ].join('\n'),
    )
  })

  it('an empty page is one line', async () => {
    const body = await verboseBody('peers', T0, createStubDetailsSource(), {
      limit: 10,
      offset: 50,
    })
    expect(VIEWS.peers.verbose.render(body, T0)).toBe('peers: none of 3 past offset 50')
  })
})
