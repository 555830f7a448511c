/** The shapes a benchmark hands to the runner and the report. */

import type { Target } from './stats.js'

/** One row of the results table. */
export interface Figure {
  /** Stable key, `B1.libp2p-throughput`: dashboards and diffs of benchmarks.json key on it. */
  key: string
  /** What was measured, as the table shows it. */
  label: string
  unit: string
  /** Which way is better; the ratio is always `ours / baseline`. */
  better: 'higher' | 'lower'
  /** Our figure (the median over rounds unless the label says otherwise); null when not measurable. */
  ours: number | null
  /** The baseline's figure from the same run, or null when the figure has none. */
  baseline: number | null
  /** What the baseline is, in a few words. */
  baselineLabel: string | null
  /**
   * `ours / baseline`, or null; for a `paired` figure the median of the per-round ratios
   * `samples.ours[i] / samples.baseline[i]`.
   */
  ratio: number | null
  /**
   * Ours and the baseline ran side by side in every round (their slices taking turns), so each
   * round's ratio cancels what the machine did in that round, and the ratio is their median
   * rather than the ratio of two medians taken from different rounds.
   */
  paired?: true
  /** Every target of the figure; all must hold for `met`. */
  targets: Target[]
  /** All targets hold (true), one does not (false), no target or not measurable (null). */
  met: boolean | null
  /** The raw samples behind the medians, for the JSON. */
  samples?: { ours?: number[]; baseline?: number[] }
}

/** What one benchmark produced. */
export interface BenchResult {
  /** `B1` ... `B7`. */
  id: string
  title: string
  figures: Figure[]
  /** Facts of this run worth a sentence in the report (markdown, one paragraph each). */
  notes: string[]
  durationMs: number
  /** Set when the benchmark failed; its figures are then whatever it measured before. */
  error?: string
}

/** How a benchmark is asked to run. */
export interface BenchContext {
  /** Fewer rounds, smaller sizes: for development, never for the published figures. */
  quick: boolean
  /** Progress lines for the operator (stderr). */
  log(message: string): void
}

export interface Benchmark {
  id: string
  title: string
  run(context: BenchContext): Promise<Omit<BenchResult, 'id' | 'title' | 'durationMs'>>
}

/** The machine and run a report describes. */
export interface MachineInfo {
  cpuModel: string
  cores: number
  ramGiB: number
  node: string
  os: string
  date: string
  loadAverageAtStart: number[]
}
