/**
 * Preloaded into a subject process (`node --import stall-recorder.js ...`) for `stalls.js`: keeps
 * every event-loop stall over 10 ms, every GC pause and every HTTP request the process served,
 * each with its time on the monotonic clock in microseconds (the clock of V8's CPU profiles), and
 * hands them over IPC: `{type: 'stalls'}` answers `{type: 'stalls', stalls, gcs, requests}` and
 * starts afresh. The IPC channel is unref'd, so the recorder never keeps the process alive.
 */

import { PerformanceObserver, performance } from 'node:perf_hooks'
import { nowUs, watchServedRequests } from '../lib/served.js'

/** How often the stall timer ticks, in ms: a tick that comes later than this by more is a stall. */
const TICK_MS = 2
/** Stalls shorter than this are not kept. */
const MIN_STALL_MS = 10

// performance entries count from the time origin; the profile's clock is hrtime
const originUs = nowUs() - performance.now() * 1000

let stalls: Array<{ endUs: number; ms: number }> = []
let gcs: Array<{ startUs: number; ms: number; kind: number }> = []
let requests: Array<{ startUs: number; ms: number; url: string }> = []

let lastTickUs = nowUs()
setInterval(() => {
  const now = nowUs()
  const late = (now - lastTickUs) / 1000 - TICK_MS
  if (late > MIN_STALL_MS) stalls.push({ endUs: now, ms: late })
  lastTickUs = now
}, TICK_MS).unref()

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as { detail?: { kind?: number } }).detail?.kind ?? 0
    gcs.push({ startUs: originUs + entry.startTime * 1000, ms: entry.duration, kind })
  }
}).observe({ entryTypes: ['gc'] })

watchServedRequests((url, startUs, ms) => {
  requests.push({ startUs, ms, url })
})

if (process.send !== undefined) {
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'stalls') return
    process.send?.({ type: 'stalls', stalls, gcs, requests })
    stalls = []
    gcs = []
    requests = []
  })
  process.channel?.unref()
}
