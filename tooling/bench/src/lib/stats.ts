/**
 * Summary statistics of benchmark samples: percentiles, medians and the target checks. Pure
 * functions, so the report's arithmetic is unit-tested on its own.
 */

/**
 * The `p`-th percentile (0..100) by the nearest-rank method: the smallest sample such that at
 * least `p` percent of the samples are at or below it. NaN for no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`)
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1] as number
}

/** The median: the middle sample, or the mean of the two middle ones. NaN for no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** `ours / baseline`, or null when either is missing, not finite, or the baseline is 0. */
export function ratio(ours: number | null, baseline: number | null): number | null {
  if (
    ours == null ||
    baseline == null ||
    !Number.isFinite(ours) ||
    !Number.isFinite(baseline) ||
    baseline === 0
  ) {
    return null
  }
  return ours / baseline
}

/** What a target compares: the ratio to the baseline, or our own figure. */
export type TargetSubject = 'ratio' | 'value'

/** A target of a figure: `subject op limit`, e.g. ratio >= 0.95 or value < 5 (ms). */
export interface Target {
  subject: TargetSubject
  op: '>=' | '<=' | '<' | '>'
  limit: number
}

/**
 * Whether `target` holds for a figure: true/false, or null when the figure it needs is missing
 * (a benchmark that could not run is never reported as met).
 */
export function targetMet(
  target: Target,
  figure: { ours: number | null; ratio: number | null },
): boolean | null {
  const value = target.subject === 'ratio' ? figure.ratio : figure.ours
  if (value == null || !Number.isFinite(value)) return null
  switch (target.op) {
    case '>=':
      return value >= target.limit
    case '<=':
      return value <= target.limit
    case '<':
      return value < target.limit
    case '>':
      return value > target.limit
  }
}

/** A target as people read it: `ratio >= 0.95`, `< 5 ms`. */
export function describeTarget(target: Target, unit: string): string {
  return target.subject === 'ratio'
    ? `ratio ${target.op} ${target.limit}`
    : `${target.op} ${target.limit} ${unit}`.trim()
}

/**
 * Runs `variants` in `rounds` rounds, alternating their order every round (A B, then B A, ...)
 * so that warm-up, thermal and neighbour-load drift fall on every variant alike. Returns the
 * samples of each variant in round order.
 */
export async function interleaved<K extends string>(
  rounds: number,
  variants: Record<K, (round: number) => Promise<number>>,
  onSample?: (variant: K, round: number, value: number) => void,
): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[]
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) {
      const value = await variants[name](round)
      samples[name].push(value)
      onSample?.(name, round, value)
    }
  }
  return samples
}
