import { median, ratio, targetMet } from './stats.js'
import type { Target } from './stats.js'
import type { Figure } from './types.js'
import { round } from './util.js'

export interface FigureInit {
  key: string
  label: string
  unit: string
  better: 'higher' | 'lower'
  ours: number | null
  baseline?: number | null
  baselineLabel?: string | null
  targets?: Target[]
  samples?: Figure['samples']
  /**
   * Judge the ratio per round: `samples.ours` and `samples.baseline` hold one value per round,
   * measured side by side; the ratio is the median of their per-round ratios (Figure.paired).
   */
  paired?: boolean
}

/** The median of `ours[i] / baseline[i]`, or null when the rounds do not pair up. */
export function pairedRatio(ours: readonly number[], baseline: readonly number[]): number | null {
  if (ours.length === 0 || ours.length !== baseline.length) return null
  const ratios = ours.map((v, i) => ratio(v, baseline[i] as number))
  return ratios.includes(null) ? null : median(ratios as number[])
}

/**
 * Builds a figure: the ratio to its baseline and whether its targets hold.
 *
 * @throws {RangeError} when `paired` without one baseline sample per sample of ours
 */
export function figure(init: FigureInit): Figure {
  const ours = init.ours != null && Number.isFinite(init.ours) ? init.ours : null
  const baseline = init.baseline != null && Number.isFinite(init.baseline) ? init.baseline : null
  const targets = init.targets ?? []
  let r = ratio(ours, baseline)
  if (init.paired === true) {
    r = pairedRatio(init.samples?.ours ?? [], init.samples?.baseline ?? [])
    if (r === null) {
      throw new RangeError(`${init.key}: a paired figure needs one baseline sample per round`)
    }
  }
  const checks = targets.map((target) => targetMet(target, { ours, ratio: r }))
  const met = checks.length === 0 ? null : checks.includes(null) ? null : checks.every(Boolean)
  return {
    key: init.key,
    label: init.label,
    unit: init.unit,
    better: init.better,
    ours,
    baseline,
    baselineLabel: init.baselineLabel ?? null,
    ratio: r,
    ...(init.paired === true ? { paired: true as const } : {}),
    targets,
    met,
    ...(init.samples !== undefined ? { samples: init.samples } : {}),
  }
}

/**
 * A figure of two series measured side by side, one value each per round: the table shows their
 * medians, the JSON keeps the rounds (to 2 decimals), and the ratio judged is the median of the
 * per-round ratios (`paired`).
 *
 * @throws {RangeError} when the series do not pair up
 */
export function pairedFigure(
  init: Omit<FigureInit, 'ours' | 'baseline' | 'samples' | 'paired'>,
  ours: readonly number[],
  baseline: readonly number[],
): Figure {
  return figure({
    ...init,
    ours: median(ours),
    baseline: median(baseline),
    paired: true,
    samples: { ours: ours.map((v) => round(v)), baseline: baseline.map((v) => round(v)) },
  })
}
