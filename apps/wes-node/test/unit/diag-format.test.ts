import { describe, expect, it } from '@jest/globals'
import { flatten, formatBytes, renderTable, renderView } from '../../src/cmds/diag/format.js'
import { diagBaseUrl, resolveDiagOptions } from '../../src/cmds/diag/options.js'

describe('diag formatting', () => {
  it('formats bytes with binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(113.32050459696387)).toBe('113.3 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB')
  })

  it('flattens nested objects and spells out units', () => {
    const rows = flatten({
      peers: 2,
      bandwidth: { in_rate_bps: 2048, in_total_bytes: 1048576 },
      relay_stats: { enabled: true },
    })
    expect(rows).toEqual([
      ['peers', '2'],
      ['bandwidth.in_rate_bps', '2.0 KiB/s'],
      ['bandwidth.in_total_bytes', '1.0 MiB (1048576)'],
      ['relay_stats.enabled', 'true'],
    ])
  })

  it('aligns the value column', () => {
    expect(
      renderTable([
        ['a', '1'],
        ['long_key', '2'],
      ]),
    ).toBe('a         1\nlong_key  2')
  })

  it('lists peer ids one per line', () => {
    expect(renderView('peers', { peers: 2, peer_ids: ['A', 'B'] })).toBe(
      'peers  2\npeer_ids\n  A\n  B',
    )
    expect(renderView('peers', { peers: 0, peer_ids: [] })).toBe('peers  0\npeer_ids\n  (none)')
  })
})

describe('diag options', () => {
  it('builds the base URL from host:port, IPv6 in brackets', () => {
    expect(diagBaseUrl('127.0.0.1:28686')).toBe('http://127.0.0.1:28686')
    expect(diagBaseUrl('[::1]:9000')).toBe('http://[::1]:9000')
    expect(diagBaseUrl('localhost:1')).toBe('http://localhost:1')
  })

  it.each(['127.0.0.1', '127.0.0.1:0', '127.0.0.1:70000', ':80', 'http://x:1', '::1:80', 'a b:1'])(
    'rejects %p as a usage error',
    (addr) => {
      expect(() => diagBaseUrl(addr)).toThrow(expect.objectContaining({ exitCode: 2 }))
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
})
