import { describe, expect, test } from '@jest/globals'
import { figure, pairedFigure } from '../../src/lib/figure.js'
import { formatNumber, resultsTable } from '../../src/lib/report.js'
import { interleaved, median, percentile, ratio, targetMet } from '../../src/lib/stats.js'

describe('percentile', () => {
  test('nearest rank: p50, p99 and the ends of 1..100', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentile(samples, 50)).toBe(50)
    expect(percentile(samples, 99)).toBe(99)
    expect(percentile(samples, 100)).toBe(100)
    expect(percentile(samples, 0)).toBe(1)
  })

  test('no samples is NaN, a percentile out of range throws', () => {
    expect(percentile([], 50)).toBeNaN()
    expect(() => percentile([1], 101)).toThrow(RangeError)
  })
})

test('median of odd and even counts', () => {
  expect(median([3, 1, 2])).toBe(2)
  expect(median([4, 1, 3, 2])).toBe(2.5)
  expect(median([])).toBeNaN()
})

test('ratio is null without a usable baseline', () => {
  expect(ratio(95, 100)).toBeCloseTo(0.95)
  expect(ratio(1, 0)).toBeNull()
  expect(ratio(null, 1)).toBeNull()
  expect(ratio(1, Number.NaN)).toBeNull()
})

describe('targets', () => {
  test('a ratio target and a value target', () => {
    expect(targetMet({ subject: 'ratio', op: '>=', limit: 0.95 }, { ours: 1, ratio: 0.95 })).toBe(
      true,
    )
    expect(targetMet({ subject: 'ratio', op: '>=', limit: 0.95 }, { ours: 1, ratio: 0.94 })).toBe(
      false,
    )
    expect(
      targetMet({ subject: 'value', op: '<', limit: 5_000 }, { ours: 5_000, ratio: null }),
    ).toBe(false)
    expect(
      targetMet({ subject: 'ratio', op: '<=', limit: 1.2 }, { ours: 1, ratio: null }),
    ).toBeNull()
  })

  test('a figure meets its targets only when all hold, and never when not measured', () => {
    const both = [
      { subject: 'ratio' as const, op: '<=' as const, limit: 1.2 },
      { subject: 'value' as const, op: '<' as const, limit: 5_000 },
    ]
    const base = { key: 'k', label: 'l', unit: 'µs', better: 'lower' as const, targets: both }
    expect(figure({ ...base, ours: 110, baseline: 100 }).met).toBe(true)
    expect(figure({ ...base, ours: 130, baseline: 100 }).met).toBe(false)
    expect(figure({ ...base, ours: 6_000, baseline: 5_500 }).met).toBe(false)
    expect(figure({ ...base, ours: null, baseline: 100 }).met).toBeNull()
    expect(figure({ ...base, ours: 1, baseline: 1, targets: [] }).met).toBeNull()
  })

  test('a paired figure judges the median of its per-round ratios, not the ratio of medians', () => {
    const init = {
      key: 'k',
      label: 'l',
      unit: 'MiB/s',
      better: 'higher' as const,
      targets: [{ subject: 'ratio' as const, op: '>=' as const, limit: 0.95 }],
      // the subject ran in every round about as fast as the baseline beside it, but the two
      // medians come from rounds of different load: 150 / 180 = 0.83
      samples: { ours: [100, 150, 200, 120, 190], baseline: [102, 180, 196, 118, 210] },
      ours: 150,
      baseline: 180,
    }
    expect(figure(init).ratio).toBeCloseTo(0.833, 3)
    expect(figure(init).met).toBe(false)
    const paired = figure({ ...init, paired: true })
    // per round 0.98, 0.83, 1.02, 1.02, 0.90: median 0.98
    expect(paired.ratio).toBeCloseTo(0.98, 3)
    expect(paired.met).toBe(true)
    expect(paired.paired).toBe(true)
    // the same figure from the two series: medians shown, the rounds kept, the pairs judged
    const { key, label, unit, better, targets, samples } = init
    expect(
      pairedFigure({ key, label, unit, better, targets }, samples.ours, samples.baseline),
    ).toEqual(paired)
    expect(() =>
      figure({ ...init, paired: true, samples: { ours: [1, 2], baseline: [1] } }),
    ).toThrow(RangeError)
  })
})

test('interleaved alternates the order of variants every round', async () => {
  const calls: string[] = []
  const samples = await interleaved(3, {
    a: async (round) => {
      calls.push(`a${round}`)
      return round
    },
    b: async (round) => {
      calls.push(`b${round}`)
      return 10 + round
    },
  })
  expect(calls).toEqual(['a0', 'b0', 'b1', 'a1', 'a2', 'b2'])
  expect(samples).toEqual({ a: [0, 1, 2], b: [10, 11, 12] })
})

test('the results table shows ours, baseline, ratio, target and verdict', () => {
  const row = figure({
    key: 'B1.x',
    label: 'stream',
    unit: 'MiB/s',
    better: 'higher',
    ours: 120,
    baseline: 150,
    baselineLabel: 'bare',
    targets: [{ subject: 'ratio', op: '>=', limit: 0.95 }],
  })
  const table = resultsTable([
    { id: 'B1', title: 'Data path', figures: [row], notes: [], durationMs: 1 },
  ])
  expect(table).toContain(
    '| B1 | stream | 120 MiB/s | 150 MiB/s (bare) | 0.80 | ratio >= 0.95 | **missed** |',
  )
  expect(formatNumber(1234.5)).toBe('1,235')
  expect(formatNumber(0.01234)).toBe('0.012')
})
