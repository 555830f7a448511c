/**
 * Every HTTP request the process serves, as the server sees it: from the request's start to the
 * response's end (node:http's diagnostics channels), so the render and every wait inside the
 * process count, and the client's side and the loopback do not. For the preloaded probes.
 *
 * Wall time only: the thread's CPU time (`process.threadCpuUsage()`, or `/proc/thread-self/schedstat`)
 * moves in scheduler ticks of 4 ms on these machines while the thread runs, too coarse for
 * requests of a few milliseconds.
 */

import diagnosticsChannel from 'node:diagnostics_channel'
import { openSync, readSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'

/** Microseconds on the monotonic clock (`process.hrtime`, the clock of V8's CPU profiles). */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n)

/** Calls `onServed` with each served request's URL, start (µs, {@link nowUs}) and duration (ms). */
export function watchServedRequests(
  onServed: (url: string, startUs: number, ms: number) => void,
): void {
  const started = new WeakMap<IncomingMessage, number>()
  diagnosticsChannel.subscribe('http.server.request.start', (message) => {
    started.set((message as { request: IncomingMessage }).request, nowUs())
  })
  diagnosticsChannel.subscribe('http.server.response.finish', (message) => {
    const { request } = message as { request: IncomingMessage }
    const startUs = started.get(request)
    if (startUs !== undefined) onServed(request.url ?? '', startUs, (nowUs() - startUs) / 1000)
  })
}

/**
 * The tracing channel `@wes/diagnostics` publishes each `/metrics` render on
 * (`METRICS_RENDER_CHANNEL`; named here so the probes need not load the package).
 */
const METRICS_RENDER_CHANNEL = 'wes:diagnostics:metrics-render'

/**
 * A reader of the run delay of the thread that calls it first: microseconds it has spent runnable
 * but waiting for a core (field 2 of `/proc/thread-self/schedstat`, brought up to date each time
 * the thread is scheduled in, so exact when read by the running thread). The file stays open and
 * is read again from its start, about 6 µs a read here (30 µs opening it each time). NaN where the
 * kernel does not say.
 */
export function runDelayReader(): () => number {
  let fd: number
  try {
    // thread-self names the thread opening it: the reader reads that thread's figures ever after
    fd = openSync('/proc/thread-self/schedstat', 'r')
  } catch {
    return () => Number.NaN
  }
  const buffer = Buffer.alloc(128)
  return () => {
    try {
      const text = buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0))
      const from = text.indexOf(' ') + 1
      return Number(text.slice(from, text.indexOf(' ', from))) / 1000
    } catch {
      return Number.NaN
    }
  }
}

/**
 * Calls `onRender` with each `/metrics` render's duration and the part of it the thread waited
 * for a core (ms): every collect and the text, without the HTTP around it. Reading the run delay
 * costs a few µs per render, paid outside the timed span.
 */
export function watchMetricsRenders(onRender: (ms: number, waitedMs: number) => void): void {
  const started = new WeakMap<object, { us: number; waitUs: number }>()
  const runQueueWaitUs = runDelayReader()
  diagnosticsChannel.tracingChannel(METRICS_RENDER_CHANNEL).subscribe({
    start(context) {
      const waitUs = runQueueWaitUs()
      started.set(context as object, { us: nowUs(), waitUs })
    },
    asyncEnd(context) {
      const endUs = nowUs()
      const start = started.get(context as object)
      if (start === undefined) return
      onRender((endUs - start.us) / 1000, (runQueueWaitUs() - start.waitUs) / 1000)
    },
    end: () => {},
    asyncStart: () => {},
    error: () => {},
  })
}
