import { createBandwidthMeter } from '../../src/bandwidth-meter.js'

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    },
  }
}

describe('createBandwidthMeter', () => {
  test('zero traffic: totals and rates are zero, never NaN', () => {
    const c = clock()
    const meter = createBandwidthMeter({ now: c.now })
    expect(meter.snapshot()).toEqual({
      inTotalBytes: 0,
      outTotalBytes: 0,
      inRateBytesPerSecond: 0,
      outRateBytesPerSecond: 0,
    })
    c.advance(60_000)
    expect(meter.rates()).toEqual({ inRateBytesPerSecond: 0, outRateBytesPerSecond: 0 })
  })

  test('totals add up per direction; bad counts are ignored', () => {
    const meter = createBandwidthMeter({ now: clock().now })
    meter.record('in', 100)
    meter.record('in', 50)
    meter.record('out', 7)
    meter.record('out', -5)
    meter.record('in', Number.NaN)
    meter.record('in', Number.POSITIVE_INFINITY)
    meter.record('out', 0)
    expect(meter.totals()).toEqual({ inTotalBytes: 150, outTotalBytes: 7 })
  })

  test('partial first window: rate divides by the time elapsed, at least one second', () => {
    const c = clock()
    const meter = createBandwidthMeter({ now: c.now })
    c.advance(200)
    meter.record('in', 1_000)
    // 0.2 s elapsed: the divisor is floored to 1 s, so no spike
    expect(meter.rates().inRateBytesPerSecond).toBe(1_000)
    c.advance(1_800)
    meter.record('in', 1_000)
    // 2 s elapsed, 2000 bytes
    expect(meter.rates().inRateBytesPerSecond).toBe(1_000)
    c.advance(2_000)
    // 4 s elapsed, still 2000 bytes
    expect(meter.rates().inRateBytesPerSecond).toBe(500)
  })

  test('steady traffic over a full window gives the per-second rate', () => {
    const c = clock()
    const meter = createBandwidthMeter({ windowMs: 10_000, now: c.now })
    for (let s = 0; s < 30; s++) {
      meter.record('out', 2_000)
      c.advance(1_000)
    }
    // right at a bucket boundary: nine whole seconds in the window (the current second is empty)
    expect(meter.rates().outRateBytesPerSecond).toBe(2_000)
    expect(meter.totals().outTotalBytes).toBe(60_000)
  })

  test('the window slides: old traffic leaves the rate, not the totals', () => {
    const c = clock()
    const meter = createBandwidthMeter({ windowMs: 10_000, now: c.now })
    c.advance(500)
    meter.record('in', 10_000)
    c.advance(5_000)
    expect(meter.rates().inRateBytesPerSecond).toBeCloseTo(10_000 / 5.5)
    c.advance(10_000)
    expect(meter.rates().inRateBytesPerSecond).toBe(0)
    expect(meter.totals().inTotalBytes).toBe(10_000)
    // at 16.5 s a burst counts over the covered span: seconds 7..15 whole plus half of 16
    c.advance(1_000)
    meter.record('in', 9_500)
    expect(meter.rates().inRateBytesPerSecond).toBe(1_000)
  })

  test('buckets are reused correctly after wrapping around the ring', () => {
    const c = clock()
    const meter = createBandwidthMeter({ windowMs: 3_000, now: c.now })
    meter.record('in', 300)
    c.advance(3_000)
    // same ring slot as second 0, a different second: the old bytes must not leak in
    meter.record('in', 30)
    c.advance(999)
    expect(meter.rates().inRateBytesPerSecond).toBeCloseTo(30 / 2.999)
  })

  test('reset zeroes totals and restarts the window', () => {
    const c = clock()
    const meter = createBandwidthMeter({ now: c.now })
    meter.record('in', 5)
    meter.record('out', 5)
    c.advance(1_500)
    meter.reset()
    expect(meter.snapshot()).toEqual({
      inTotalBytes: 0,
      outTotalBytes: 0,
      inRateBytesPerSecond: 0,
      outRateBytesPerSecond: 0,
    })
  })

  test('a clock that goes backwards yields no negative or NaN rates', () => {
    const c = clock()
    const meter = createBandwidthMeter({ now: c.now })
    meter.record('in', 100)
    c.advance(-5_000)
    const rates = meter.rates()
    expect(Number.isFinite(rates.inRateBytesPerSecond)).toBe(true)
    expect(rates.inRateBytesPerSecond).toBeGreaterThanOrEqual(0)
  })

  test('rejects a window shorter than one bucket', () => {
    expect(() => createBandwidthMeter({ windowMs: 10 })).toThrow(RangeError)
  })
})
