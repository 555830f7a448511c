import { describe, expect, it } from '@jest/globals'
import { VIEWS } from '@wes/diagnostics/client'
import { resolveDiagOptions } from '../../src/cmds/diag/options.js'

// The helpers behind these tables (bytes, flattening, alignment) are tested with the view table,
// in packages/diagnostics/test/unit/views-render.test.ts.
describe('diag formatting', () => {
  it('lists peer ids one per line', () => {
    expect(VIEWS.peers.render({ peers: 2, peer_ids: ['A', 'B'] })).toBe(
      'peers  2\npeer_ids\n  A\n  B',
    )
    expect(VIEWS.peers.render({ peers: 0, peer_ids: [] })).toBe('peers  0\npeer_ids\n  (none)')
  })

  it('spells out the units of stats', () => {
    const table = VIEWS.stats.render({
      peers: 2,
      connections: 3,
      host_id: '12D3KooWHost',
      bandwidth: {
        in_rate_bps: 2048,
        out_rate_bps: 0,
        in_total_bytes: 1048576,
        out_total_bytes: 0,
      },
      listen_addrs: [],
    })
    expect(table.split('\n')).toEqual([
      'peers                      2',
      'connections                3',
      'host_id                    12D3KooWHost',
      'bandwidth.in_rate_bps      2.0 KiB/s',
      'bandwidth.out_rate_bps     0 B/s',
      'bandwidth.in_total_bytes   1.0 MiB (1048576)',
      'bandwidth.out_total_bytes  0 B (0)',
      'listen_addrs               (none)',
    ])
  })
})

describe('diag options', () => {
  it('takes host:port, IPv6 in brackets', () => {
    for (const addr of ['127.0.0.1:28686', '[::1]:9000', 'localhost:1']) {
      expect(resolveDiagOptions('stats', { addr }, {}).addr).toBe(addr)
    }
  })

  it.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', ':80', 'ftp://x:1', '::1:80', 'a b:1'])(
    'rejects %p as a usage error',
    (addr) => {
      expect(() => resolveDiagOptions('stats', { addr }, {})).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: expect.stringContaining('invalid --addr'),
        }),
      )
      expect(() => resolveDiagOptions('stats', {}, { WES_DIAGNOSTICS_ADDR: addr })).toThrow(
        expect.objectContaining({
          exitCode: 2,
          message: expect.stringContaining('WES_DIAGNOSTICS_ADDR'),
        }),
      )
    },
  )

  it('takes --addr over WES_DIAGNOSTICS_ADDR over the default', () => {
    expect(resolveDiagOptions('stats', {}, {}).addr).toBe('127.0.0.1:28686')
    expect(resolveDiagOptions('stats', {}, { WES_DIAGNOSTICS_ADDR: '127.0.0.1:1' }).addr).toBe(
      '127.0.0.1:1',
    )
    expect(
      resolveDiagOptions('stats', { addr: '127.0.0.1:2' }, { WES_DIAGNOSTICS_ADDR: '127.0.0.1:1' })
        .addr,
    ).toBe('127.0.0.1:2')
  })

  it('refuses a view the table does not have', () => {
    expect(() => resolveDiagOptions('everything', {}, {})).toThrow(
      expect.objectContaining({ exitCode: 2 }),
    )
  })
})
