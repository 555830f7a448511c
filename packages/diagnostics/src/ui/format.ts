/** How the page writes values: the same units as `wes-node diag` (views/render.ts). */
import { formatAge, formatBytes } from '../views/render.js'

export { formatAge, formatBytes }

/** `1536` -> `1.5 KiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

/** `12D3KooWAbc...xyz`: the start and the end, the whole ID in the element's title. */
export function shortPeerId(peerId: string): string {
  return peerId.length <= 20 ? peerId : `${peerId.slice(0, 12)}…${peerId.slice(-6)}`
}

/** How long ago an ISO time was, `-` for none. */
export function ago(at: string | null, now = Date.now()): string {
  if (at === null) return '-'
  const age = formatAge(now - Date.parse(at))
  return age === '-' ? '-' : `${age} ago`
}

/** `12.3 ms`, `-` before the first ping. */
export function formatLatency(ms: number | null): string {
  if (ms === null) return '-'
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

/** `1 peer`, `2 peers`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
