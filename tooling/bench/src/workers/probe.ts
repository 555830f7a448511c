/**
 * Preloaded into a subject process (`node --import probe.js ...`): measures its event-loop
 * delay with perf_hooks, its garbage-collection pauses and how long it took to serve each HTTP
 * request, and answers the parent over IPC. `{type: 'reset'}` clears them, `{type: 'report'}`
 * answers `{type: 'report', eventLoop: {...ms}, gc: {...ms}, memory: process.memoryUsage(),
 * served: {[path]: ms[]}}`; `{type: 'report', gc: true}` runs a full GC first
 * (when the process has --expose-gc). The IPC channel is unref'd, so the probe never keeps the
 * process alive.
 */

import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks'
import { watchServedRequests } from '../lib/served.js'

/** Sampling period of the delay timer, in ms: finer than any pause the targets care about. */
const RESOLUTION_MS = 5

const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
histogram.enable()

/** GC pauses since the last reset: a long event-loop delay with a GC as long is the GC's. */
let gc = { count: 0, totalMs: 0, maxMs: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++
    gc.totalMs += entry.duration
    gc.maxMs = Math.max(gc.maxMs, entry.duration)
  }
}).observe({ entryTypes: ['gc'] })

/**
 * How long the process took to serve each HTTP request since the last reset, by path (without
 * the query): the render and every wait inside the process (lib/served.ts).
 */
let served = new Map<string, number[]>()
/** Requests kept per path at most between two resets. */
const MAX_SERVED = 10_000
watchServedRequests((url, _startUs, ms) => {
  const path = url.split('?')[0] ?? ''
  const times = served.get(path) ?? []
  if (times.length < MAX_SERVED) times.push(ms)
  served.set(path, times)
})

if (process.send !== undefined) {
  process.on('message', (message: { type?: string; gc?: boolean }) => {
    if (message.type === 'reset') {
      histogram.reset()
      gc = { count: 0, totalMs: 0, maxMs: 0 }
      served = new Map()
      process.send?.({ type: 'reset' })
    } else if (message.type === 'report') {
      // With --expose-gc, `{gc: true}` measures live memory rather than what V8 keeps committed.
      if (message.gc === true) {
        const collect = (globalThis as { gc?: () => void }).gc
        collect?.()
        collect?.()
      }
      const ms = (ns: number): number => ns / 1e6
      process.send?.({
        type: 'report',
        eventLoop: {
          p50Ms: ms(histogram.percentile(50)),
          p99Ms: ms(histogram.percentile(99)),
          maxMs: ms(histogram.max),
          meanMs: ms(histogram.mean),
          samples: histogram.count,
        },
        gc: { ...gc },
        memory: process.memoryUsage(),
        served: Object.fromEntries(served),
      })
    }
  })
  process.channel?.unref()
}
