/**
 * Counts bytes on the wire, in and out: totals since the last reset and rates over a
 * sliding window of one-second buckets.
 */

/** Which way bytes travelled. */
export type Direction = 'in' | 'out'

/** Byte totals since the meter was created or last reset. */
export interface BandwidthTotals {
  inTotalBytes: number
  outTotalBytes: number
}

/** Bytes per second over the recent window. */
export interface BandwidthRates {
  inRateBytesPerSecond: number
  outRateBytesPerSecond: number
}

/** Totals and rates together, the shape of `NodeSnapshot.bandwidth`. */
export interface BandwidthSnapshot extends BandwidthTotals, BandwidthRates {}

export interface BandwidthMeterInit {
  /**
   * Length of the rate window in milliseconds, rounded up to whole seconds.
   *
   * @default 10_000
   */
  windowMs?: number
  /**
   * The clock, in milliseconds; inject one in tests.
   *
   * @default Date.now
   */
  now?: () => number
}

export interface BandwidthMeter {
  /** Adds `bytes` in one direction. Non-finite or non-positive counts are ignored. */
  record(direction: Direction, bytes: number): void
  totals(): BandwidthTotals
  /**
   * Bytes in the window divided by the time the window covers: the current partial second
   * plus the whole seconds before it, or the time since the start when that is shorter. The
   * divisor is at least one second, so the first moments do not spike; never NaN or negative.
   */
  rates(): BandwidthRates
  snapshot(): BandwidthSnapshot
  /** Zeroes totals and rates and restarts the clock of the window. */
  reset(): void
}

const BUCKET_MS = 1_000

interface Bucket {
  /** Which second since the start this bucket holds, or -1 when unused. */
  second: number
  inBytes: number
  outBytes: number
}

/**
 * Creates a bandwidth meter.
 *
 * @example
 * const meter = createBandwidthMeter({ windowMs: 10_000 })
 * meter.record('in', 1500)
 * meter.snapshot() // { inTotalBytes: 1500, outTotalBytes: 0, inRateBytesPerSecond: 1500, ... }
 */
export function createBandwidthMeter(init: BandwidthMeterInit = {}): BandwidthMeter {
  const now = init.now ?? Date.now
  const windowMs = init.windowMs ?? 10_000
  if (!Number.isFinite(windowMs) || windowMs < BUCKET_MS) {
    throw new RangeError(`windowMs must be at least ${BUCKET_MS}, got ${windowMs}`)
  }
  const bucketCount = Math.ceil(windowMs / BUCKET_MS)
  const buckets: Bucket[] = Array.from({ length: bucketCount }, () => ({
    second: -1,
    inBytes: 0,
    outBytes: 0,
  }))
  let startedAt = now()
  let inTotalBytes = 0
  let outTotalBytes = 0

  const elapsedMs = (): number => Math.max(0, now() - startedAt)

  const bucketFor = (second: number): Bucket => {
    const bucket = buckets[second % bucketCount] as Bucket
    if (bucket.second !== second) {
      bucket.second = second
      bucket.inBytes = 0
      bucket.outBytes = 0
    }
    return bucket
  }

  const rates = (): BandwidthRates => {
    const elapsed = elapsedMs()
    const current = Math.floor(elapsed / BUCKET_MS)
    const oldest = Math.max(0, current - bucketCount + 1)
    let inBytes = 0
    let outBytes = 0
    for (const bucket of buckets) {
      if (bucket.second >= oldest && bucket.second <= current) {
        inBytes += bucket.inBytes
        outBytes += bucket.outBytes
      }
    }
    const seconds = Math.max(BUCKET_MS, elapsed - oldest * BUCKET_MS) / BUCKET_MS
    return { inRateBytesPerSecond: inBytes / seconds, outRateBytesPerSecond: outBytes / seconds }
  }

  return {
    record(direction, bytes) {
      if (!Number.isFinite(bytes) || bytes <= 0) {
        return
      }
      const bucket = bucketFor(Math.floor(elapsedMs() / BUCKET_MS))
      if (direction === 'in') {
        bucket.inBytes += bytes
        inTotalBytes += bytes
      } else {
        bucket.outBytes += bytes
        outTotalBytes += bytes
      }
    },
    totals: () => ({ inTotalBytes, outTotalBytes }),
    rates,
    snapshot: () => ({ inTotalBytes, outTotalBytes, ...rates() }),
    reset() {
      startedAt = now()
      inTotalBytes = 0
      outTotalBytes = 0
      for (const bucket of buckets) {
        bucket.second = -1
        bucket.inBytes = 0
        bucket.outBytes = 0
      }
    },
  }
}
