/**
 * Preloaded into a subject process (`node --import probe.js ...`): measures its event-loop
 * delay with perf_hooks, its garbage-collection pauses and how long it took to serve each HTTP
 * request, and answers the parent over IPC. `{type: 'reset'}` clears them, `{type: 'report'}`
 * answers `{type: 'report', eventLoop: {...ms}, eventLoopRunning: {...ms}, gc: {...ms},
 * memory: process.memoryUsage(), served: {[path]: ms[]}, servedGc: {[path]: ms[]}, renders: {ms, waitedMs}}` (the time to serve
 * each request and the GC pause inside it; each /metrics render of wes-node, from its tracing
 * channel, and the part of it the thread waited for a core); `{type: 'report', gc: true}` runs a full GC first
 * (when the process has --expose-gc). The IPC channel is unref'd, so the probe never keeps the
 * process alive.
 */

import {
  PerformanceObserver,
  createHistogram,
  monitorEventLoopDelay,
  performance,
} from 'node:perf_hooks'
import type { RecordableHistogram } from 'node:perf_hooks'
import type { EventLoopDelay } from '../lib/subject-process.js'
import { nowUs, runDelayReader, watchMetricsRenders, watchServedRequests } from '../lib/served.js'

/** Sampling period of the delay timer, in ms: finer than any pause the targets care about. */
const RESOLUTION_MS = 5

const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
histogram.enable()

/**
 * The same delay less the time the main thread waited for a core meanwhile: a timer of the same
 * period records each interval between its runs (as monitorEventLoopDelay does, the period
 * included) minus the growth of the thread's run delay over it. What is left is the loop's own
 * work (tasks, GC pauses, blocking calls); what is taken out is the machine's other processes
 * having the cores, which on a benchmark machine are mostly the benchmark's own peers. NaN-free:
 * without schedstat nothing is recorded (`samples` 0).
 */
const running = createHistogram()
const runDelayUs = runDelayReader()
let lastTickUs = nowUs()
let lastDelayUs = runDelayUs()
setInterval(() => {
  const tickUs = nowUs()
  const delayUs = runDelayUs()
  const ownUs = tickUs - lastTickUs - (delayUs - lastDelayUs)
  if (Number.isFinite(ownUs)) running.record(Math.max(1, Math.round(ownUs * 1000)))
  lastTickUs = tickUs
  lastDelayUs = delayUs
}, RESOLUTION_MS).unref()

/** Requests kept per path, and GC pauses, at most between two resets. */
const MAX_SERVED = 10_000

// performance entries count from the time origin; served requests are timed on hrtime
const originUs = nowUs() - performance.now() * 1000

/** GC pauses since the last reset: a long event-loop delay with a GC as long is the GC's. */
let gc = { count: 0, totalMs: 0, maxMs: 0 }
/** Each pause since the last reset (µs on the hrtime clock), to find those inside a request. */
let pauses: Array<{ startUs: number; endUs: number }> = []
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++
    gc.totalMs += entry.duration
    gc.maxMs = Math.max(gc.maxMs, entry.duration)
    const startUs = originUs + entry.startTime * 1000
    if (pauses.length < MAX_SERVED) pauses.push({ startUs, endUs: startUs + entry.duration * 1000 })
  }
}).observe({ entryTypes: ['gc'] })

/**
 * How long the process took to serve each HTTP request since the last reset, by path (without
 * the query): the render and every wait inside the process (lib/served.ts).
 */
let served = new Map<string, number[]>()
/** Each served request's span (µs, hrtime), by path, in the same order. */
let spans = new Map<string, Array<{ startUs: number; endUs: number }>>()
const keep = <T>(into: Map<string, T[]>, path: string, value: T): void => {
  const values = into.get(path) ?? []
  if (values.length < MAX_SERVED) values.push(value)
  into.set(path, values)
}
watchServedRequests((url, startUs, ms) => {
  const path = url.split('?')[0] ?? ''
  keep(served, path, ms)
  keep(spans, path, { startUs, endUs: startUs + ms * 1000 })
})

/** Each /metrics render since the last reset and the part it waited for a core, ms (lib/served.ts). */
let renders = { ms: [] as number[], waitedMs: [] as number[] }
watchMetricsRenders((ms, waitedMs) => {
  if (renders.ms.length >= MAX_SERVED) return
  renders.ms.push(ms)
  renders.waitedMs.push(waitedMs)
})

/** Milliseconds of GC pause inside each served request, by path (read at report time: the
 * observer hears of a pause after it ends). */
function gcInside(): Record<string, number[]> {
  const out: Record<string, number[]> = {}
  for (const [path, list] of spans) {
    out[path] = list.map(({ startUs, endUs }) => {
      let us = 0
      for (const pause of pauses) {
        us += Math.max(0, Math.min(endUs, pause.endUs) - Math.max(startUs, pause.startUs))
      }
      return us / 1000
    })
  }
  return out
}

/** A delay histogram (ns) as the report gives it, in ms. */
function delays(
  h: Pick<RecordableHistogram, 'percentile' | 'max' | 'mean' | 'count'>,
): EventLoopDelay {
  const ms = (ns: number): number => ns / 1e6
  return {
    p50Ms: ms(h.percentile(50)),
    p99Ms: ms(h.percentile(99)),
    maxMs: ms(h.max),
    meanMs: ms(h.mean),
    samples: h.count,
  }
}

if (process.send !== undefined) {
  process.on('message', (message: { type?: string; gc?: boolean }) => {
    if (message.type === 'reset') {
      histogram.reset()
      running.reset()
      gc = { count: 0, totalMs: 0, maxMs: 0 }
      served = new Map()
      spans = new Map()
      pauses = []
      renders = { ms: [], waitedMs: [] }
      process.send?.({ type: 'reset' })
    } else if (message.type === 'report') {
      // With --expose-gc, `{gc: true}` measures live memory rather than what V8 keeps committed.
      if (message.gc === true) {
        const collect = (globalThis as { gc?: () => void }).gc
        collect?.()
        collect?.()
      }
      process.send?.({
        type: 'report',
        eventLoop: delays(histogram),
        eventLoopRunning: delays(running),
        gc: { ...gc },
        memory: process.memoryUsage(),
        served: Object.fromEntries(served),
        servedGc: gcInside(),
        renders,
      })
    }
  })
  process.channel?.unref()
}
