import { ratio, targetMet } from './stats.js'
import type { Target } from './stats.js'
import type { Figure } from './types.js'

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
}

/** Builds a figure: the ratio to its baseline and whether its targets hold. */
export function figure(init: FigureInit): Figure {
  const ours = init.ours != null && Number.isFinite(init.ours) ? init.ours : null
  const baseline = init.baseline != null && Number.isFinite(init.baseline) ? init.baseline : null
  const targets = init.targets ?? []
  const r = ratio(ours, baseline)
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
    targets,
    met,
    ...(init.samples !== undefined ? { samples: init.samples } : {}),
  }
}
