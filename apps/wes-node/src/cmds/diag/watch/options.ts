import { UsageError } from '../../../errors.js'
import { resolveDiagTarget } from '../options.js'
import type { DiagTarget } from '../options.js'

/** The `<view>` of `wes-node diag` that is the live view, not a `/debug/p2p/*` view. */
export const WATCH = 'watch'

/** The defaults of `wes-node diag watch`. */
export const DEFAULT_WATCH_OPTIONS = {
  /** One read of the node a second. */
  intervalMs: 1_000,
  /** The chart and the discovery rates look this far back. */
  historyMs: 5 * 60_000,
  /** The most points the history keeps, whatever the interval. */
  maxHistoryPoints: 600,
  /** A read that takes longer counts as no answer (`--timeout` overrides it). */
  timeoutMs: 2_000,
} as const

/** The shortest and longest `--interval`, in seconds. */
export const INTERVAL_RANGE_SECONDS = { min: 0.2, max: 3_600 } as const

/** The most lines `--count` may ask for. */
export const MAX_COUNT = 1_000_000

export interface WatchOptions extends DiagTarget {
  /** JSON lines instead of plain ones when stdout is not a terminal (or always, with `--json`). */
  json: boolean
  /** Time between the starts of two reads of the node. */
  intervalMs: number
  /** Stop after this many lines (line mode only); absent: until SIGINT/SIGTERM. */
  count?: number
}

/** The flags of `diag watch`, beside those of the views that it refuses. */
export interface WatchFlags {
  addr?: string
  json?: boolean
  timeout?: number
  tokenFile?: string
  /** Seconds, checked by {@link parseIntervalSeconds}. */
  interval?: number
  /** Lines, checked by {@link parseCount}. */
  count?: number
  /** The views' flags: usage errors with `watch`. */
  wait?: number
  verbose?: boolean
  limit?: number
  offset?: number
}

/**
 * `--interval <s>`: seconds from 0.2 to 3600, fractions allowed (`0.5`); `undefined` for anything
 * else (the flag's parser turns it into a usage error).
 */
export function parseIntervalSeconds(raw: string): number | undefined {
  const text = raw.trim()
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined
  const value = Number(text)
  return value >= INTERVAL_RANGE_SECONDS.min && value <= INTERVAL_RANGE_SECONDS.max
    ? value
    : undefined
}

/** `--count <n>`: an integer from 1 to {@link MAX_COUNT}, else `undefined`. */
export function parseCount(raw: string): number | undefined {
  const text = raw.trim()
  if (!/^\d+$/.test(text)) return undefined
  const value = Number(text)
  return value >= 1 && value <= MAX_COUNT ? value : undefined
}

/** Flags and environment into options, the address and token as for every `diag` view. */
export function resolveWatchOptions(
  flags: WatchFlags,
  env: Record<string, string | undefined>,
): WatchOptions {
  if (flags.wait !== undefined) {
    throw new UsageError(`--wait applies to diag health only, not to diag ${WATCH}`)
  }
  for (const flag of ['verbose', 'limit', 'offset'] as const) {
    if (flags[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to a view, not to diag ${WATCH}`)
    }
  }
  const intervalMs =
    flags.interval !== undefined
      ? Math.round(flags.interval * 1_000)
      : DEFAULT_WATCH_OPTIONS.intervalMs
  return {
    ...resolveDiagTarget(flags, env, DEFAULT_WATCH_OPTIONS.timeoutMs),
    json: flags.json === true,
    intervalMs,
    ...(flags.count !== undefined ? { count: flags.count } : {}),
  }
}

/** How many points of history cover {@link DEFAULT_WATCH_OPTIONS.historyMs} at `intervalMs`. */
export function historyLength(intervalMs: number): number {
  const points = Math.ceil(DEFAULT_WATCH_OPTIONS.historyMs / intervalMs) + 1
  return Math.max(2, Math.min(DEFAULT_WATCH_OPTIONS.maxHistoryPoints, points))
}
