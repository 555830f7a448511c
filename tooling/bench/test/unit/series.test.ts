import { expect, test } from '@jest/globals'
import {
  parseSamples,
  sampleValue,
  seriesByFamily,
  seriesChanges,
  seriesCount,
} from '../../src/lib/series.js'

const TEXT = [
  '# HELP p2p_peers_total Peers.',
  '# TYPE p2p_peers_total gauge',
  'p2p_peers_total 3',
  '# TYPE p2p_protocol_bytes_total counter',
  'p2p_protocol_bytes_total{direction="in",protocol="/ipfs/id/1.0.0"} 120',
  'p2p_protocol_bytes_total{direction="out",protocol="a \\"quoted\\", b"} 7',
  '# TYPE p2p_ping_rtt_seconds histogram',
  'p2p_ping_rtt_seconds_bucket{le="0.001"} 1',
  'p2p_ping_rtt_seconds_bucket{le="+Inf"} 2',
  'p2p_ping_rtt_seconds_sum 0.004',
  'p2p_ping_rtt_seconds_count 2',
  '',
].join('\n')

test('series count by the family of their # TYPE line, histograms included', () => {
  expect(Object.fromEntries(seriesByFamily(TEXT))).toEqual({
    p2p_peers_total: 1,
    p2p_protocol_bytes_total: 2,
    p2p_ping_rtt_seconds: 4,
  })
  expect(seriesCount(TEXT)).toBe(7)
  expect(seriesCount(TEXT, (family) => family !== 'p2p_ping_rtt_seconds')).toBe(3)
})

test('labels and values, escaped quotes and commas inside a value', () => {
  const samples = parseSamples(TEXT)
  expect(samples[2]).toEqual({
    family: 'p2p_protocol_bytes_total',
    name: 'p2p_protocol_bytes_total',
    labels: { direction: 'out', protocol: 'a "quoted", b' },
    value: 7,
  })
  expect(sampleValue(TEXT, 'p2p_protocol_bytes_total', { direction: 'in' })).toBe(120)
  expect(sampleValue(TEXT, 'p2p_ping_rtt_seconds_count')).toBe(2)
  expect(sampleValue(TEXT, 'p2p_protocol_bytes_total', { direction: 'sideways' })).toBeUndefined()
})

test('changes list only the families whose counts differ', () => {
  const before = new Map([
    ['a', 1],
    ['b', 2],
  ])
  const after = new Map([
    ['a', 1],
    ['b', 3],
    ['c', 1],
  ])
  expect(seriesChanges(before, after)).toEqual({ b: [2, 3], c: [0, 1] })
})
