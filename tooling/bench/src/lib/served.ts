/**
 * Every HTTP request the process serves, as the server sees it: from the request's start to the
 * response's end (node:http's diagnostics channels), so the render and every wait inside the
 * process count, and the client's side and the loopback do not. For the preloaded probes.
 */

import diagnosticsChannel from 'node:diagnostics_channel'
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
