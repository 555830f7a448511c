/** Reads the node every interval and keeps the model's state for whoever shows it. */
import { applyReading } from './model.js'
import type { WatchState } from './model.js'
import type { Reading } from './read-sample.js'

export interface WatchPollerInit {
  /** One read of the node; never rejects (a failure is part of the reading). */
  read: () => Promise<Reading>
  /** Time between the starts of two reads; a slow read delays the next one, never overlaps it. */
  intervalMs: number
  /** The state before the first read. */
  initial: WatchState
}

export interface WatchPoller {
  /** Starts reading (idempotent). */
  start(): void
  /** Stops reading; resolves once the read under way, if any, has ended (idempotent). */
  stop(): Promise<void>
  /** The state after the latest read. */
  getState(): WatchState
  /** Called after each read with the new state; returns the unsubscribe. */
  subscribe(listener: () => void): () => void
}

export function createWatchPoller(init: WatchPollerInit): WatchPoller {
  let state = init.initial
  let running = false
  let loop: Promise<void> | undefined
  let timer: NodeJS.Timeout | undefined
  let wake: (() => void) | undefined
  const listeners = new Set<() => void>()

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve
      timer = setTimeout(resolve, ms)
    })

  const run = async (): Promise<void> => {
    while (running) {
      const started = Date.now()
      const reading = await init.read()
      if (!running) break
      state = applyReading(state, reading)
      for (const listener of [...listeners]) listener()
      if (!running) break
      await pause(Math.max(0, init.intervalMs - (Date.now() - started)))
    }
  }

  return {
    start() {
      if (running) return
      running = true
      loop = run()
    },
    async stop() {
      running = false
      clearTimeout(timer)
      wake?.()
      await loop
    },
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
