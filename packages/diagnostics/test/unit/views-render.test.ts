import { describe, expect, it } from '@jest/globals'
import { flatten, formatBytes, renderTable } from '../../src/views/render.js'

describe('view tables', () => {
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
})
