/**
 * Watching the bytes of a libp2p stream without reading it: `send` is wrapped, and the `message`
 * events the stream delivers are seen by wrapping `dispatchEvent`. No `message` listener is
 * added: a stream hands its buffered data to the first listener there is, so one added before the
 * protocol handler's own would take the first frames (why `@libp2p/prometheus-metrics` wraps
 * `dispatchEvent` too).
 */

import type { Stream } from '@libp2p/interface'

/** What a tap is told: byte counts as they pass, never the data. */
export interface StreamTap {
  /** Bytes handed to `stream.send()`. */
  sent?(bytes: number): void
  /** Bytes delivered to the stream's readers. */
  received?(bytes: number): void
}

/** Taps `stream`; the tap runs for as long as the stream does. */
export function tapStream(stream: Stream, tap: StreamTap): void {
  const { sent, received } = tap
  if (sent !== undefined) {
    const send = stream.send.bind(stream)
    stream.send = (data) => {
      sent(data.byteLength)
      return send(data)
    }
  }
  if (received !== undefined) {
    const dispatchEvent = stream.dispatchEvent.bind(stream)
    stream.dispatchEvent = (evt) => {
      if (evt.type === 'message') {
        const { data } = evt as Event & { data?: { byteLength?: unknown } }
        if (typeof data?.byteLength === 'number') received(data.byteLength)
      }
      return dispatchEvent(evt)
    }
  }
}
