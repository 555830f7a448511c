/**
 * The watch view's model, pure: what the view knows after each read of the node (the latest
 * sample, the history of rates, whether the node is there) and the events worth a line (the node
 * went away, it is back). The terminal view and the line printer both read it.
 */
import { DISCOVERY_KEYS } from './discovery.js'
import type { DiscoveryCounts } from './discovery.js'
import type { Failure, Reading, Sample } from './read-sample.js'

/** One point of the history: the wire rates at a read, `null` while the node did not answer. */
export interface HistoryPoint {
  at: number
  inBytesPerSecond: number | null
  outBytesPerSecond: number | null
  discovery: DiscoveryCounts | null
}

/** `waiting` before the first answer, `up` while the node answers, `down` after it stopped. */
export type Link = 'waiting' | 'up' | 'down'

/** Something that happened between two reads, worth a line of its own. */
export interface WatchEvent {
  at: number
  kind: 'away' | 'back' | 'failing'
  text: string
}

export interface WatchState {
  addr: string
  intervalMs: number
  /** The most points {@link WatchState.history} keeps. */
  historyLength: number
  link: Link
  /** Time of the latest read. */
  now: number
  /** The latest sample the node answered, kept while it is away. */
  last?: Sample
  /** Why the latest read found nothing, and since when reads fail. */
  failure?: Failure & { since: number }
  /** Oldest first, at most `historyLength` points. */
  history: HistoryPoint[]
  /** The newest last, at most {@link MAX_EVENTS}. */
  events: WatchEvent[]
  /** The event the latest read made, if any (for the line printer). */
  event?: WatchEvent
  /** Reads so far. */
  reads: number
}

/** Events the state keeps. */
export const MAX_EVENTS = 20

/** The window of the discovery rates. */
export const RATE_WINDOW_MS = 60_000

export function initialWatchState(init: {
  addr: string
  intervalMs: number
  historyLength: number
  now: number
}): WatchState {
  return { ...init, link: 'waiting', history: [], events: [], reads: 0 }
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1_000))} s`
}

function append<T>(items: readonly T[], item: T, max: number): T[] {
  const next = [...items, item]
  return next.length > max ? next.slice(next.length - max) : next
}

/** The state after one more read of the node. */
export function applyReading(state: WatchState, reading: Reading): WatchState {
  const reads = state.reads + 1
  const base = { ...state, now: reading.at, reads }
  delete base.event
  if ('sample' in reading) {
    const { sample } = reading
    const { bandwidth } = sample.stats
    const point: HistoryPoint = {
      at: sample.at,
      inBytesPerSecond: bandwidth.in_rate_bps,
      outBytesPerSecond: bandwidth.out_rate_bps,
      discovery: sample.discovery ?? null,
    }
    const next: WatchState = {
      ...base,
      link: 'up',
      last: sample,
      history: append(state.history, point, state.historyLength),
    }
    delete next.failure
    if (state.failure === undefined) return next
    const away = seconds(reading.at - state.failure.since)
    const event: WatchEvent = {
      at: reading.at,
      kind: 'back',
      text:
        state.link === 'waiting'
          ? `node answers, after ${away} without an answer`
          : `node is back after ${away}`,
    }
    return { ...next, event, events: append(state.events, event, MAX_EVENTS) }
  }

  const { failure } = reading
  const since =
    state.failure !== undefined && state.failure.kind === failure.kind
      ? state.failure.since
      : reading.at
  const next: WatchState = {
    ...base,
    link: state.link === 'waiting' ? 'waiting' : 'down',
    failure: { ...failure, since },
    // a gap in the chart where the node did not answer
    history:
      state.link === 'waiting'
        ? state.history
        : append(
            state.history,
            {
              at: reading.at,
              inBytesPerSecond: null,
              outBytesPerSecond: null,
              discovery: null,
            },
            state.historyLength,
          ),
  }
  // one event when reads start failing, and one when they fail for another reason
  if (state.failure?.kind === failure.kind) return next
  const event: WatchEvent =
    state.link === 'up'
      ? { at: reading.at, kind: 'away', text: `node went away: ${failure.message}` }
      : { at: reading.at, kind: 'failing', text: failure.message }
  return { ...next, event, events: append(state.events, event, MAX_EVENTS) }
}

/**
 * Each discovery counter's increase per minute over the last {@link RATE_WINDOW_MS}, from the
 * oldest point of the window that the node answered since its counters last went back (a
 * restart); `undefined` with fewer than two such points.
 */
export function discoveryRates(
  history: readonly HistoryPoint[],
  windowMs: number = RATE_WINDOW_MS,
): DiscoveryCounts | undefined {
  const answered = history.filter(
    (point): point is HistoryPoint & { discovery: DiscoveryCounts } => point.discovery !== null,
  )
  const latest = answered.at(-1)
  if (latest === undefined) return undefined
  let first = latest
  for (let i = answered.length - 2; i >= 0; i--) {
    const point = answered[i] as (typeof answered)[number]
    if (latest.at - point.at > windowMs) break
    const later = answered[i + 1] as (typeof answered)[number]
    // a counter that went back: the node restarted, earlier points count from another start
    if (DISCOVERY_KEYS.some((key) => point.discovery[key] > later.discovery[key])) break
    first = point
  }
  const elapsedMs = latest.at - first.at
  if (elapsedMs <= 0) return undefined
  const rates = {} as DiscoveryCounts
  for (const key of DISCOVERY_KEYS) {
    rates[key] = ((latest.discovery[key] - first.discovery[key]) * 60_000) / elapsedMs
  }
  return rates
}
