/**
 * The watch view when stdout is not a terminal: one line per read, plain text or a JSON object,
 * so it can be piped, grepped or logged. Pure.
 */
import { formatBytes } from '@wes/diagnostics/client'
import { discoveryRates } from './model.js'
import type { WatchState } from './model.js'

/** Rates per minute to one decimal, as the JSON lines carry them. */
function round(value: number): number {
  return Math.round(value * 10) / 10
}

/**
 * One JSON line's object: `time`, `addr`, `link` (`waiting`, `up`, `down`), then the node's
 * numbers when it answered, or `error` (`kind`, `message`) when it did not, and `event` when the
 * read changed what is known (the node went away or came back).
 */
export function watchRecord(state: WatchState): Record<string, unknown> {
  const record: Record<string, unknown> = {
    time: new Date(state.now).toISOString(),
    addr: state.addr,
    link: state.link,
  }
  const { last, failure } = state
  if (failure !== undefined) {
    record.error = { kind: failure.kind, message: failure.message }
    record.since = new Date(failure.since).toISOString()
  } else if (last !== undefined) {
    const { health, stats, routing, discovery } = last
    const rates = discoveryRates(state.history)
    Object.assign(record, {
      status: health.status,
      reasons: health.reasons.map((reason) => reason.code),
      host_id: health.host_id,
      peers: stats.peers,
      connections: stats.connections,
      in_rate_bps: stats.bandwidth.in_rate_bps,
      out_rate_bps: stats.bandwidth.out_rate_bps,
      in_total_bytes: stats.bandwidth.in_total_bytes,
      out_total_bytes: stats.bandwidth.out_total_bytes,
      routing_table_size: routing.routing_table_size,
      dht_mode: routing.current_mode,
      reachability: health.reachability,
      relay: { enabled: health.relay_stats.enabled, reservations: health.relay_stats.reservations },
      discovery: discovery ?? null,
      discovery_per_minute:
        rates === undefined
          ? null
          : Object.fromEntries(Object.entries(rates).map(([key, rate]) => [key, round(rate)])),
    })
  }
  if (state.event !== undefined) record.event = state.event.text
  return record
}

/** The JSON line of the latest read (no newline). */
export function jsonLine(state: WatchState): string {
  return JSON.stringify(watchRecord(state))
}

/**
 * The plain line of the latest read (no newline):
 * `2026-12-02T06:30:01.000Z up status=ok peers=1 conns=1 in=1.2 KiB/s out=800 B/s routing=1 reach=private relay=on bootstrap=1/1 mdns=0/0/0`,
 * or `... down unreachable: cannot reach ...`, with `| <event>` when something changed.
 */
export function plainLine(state: WatchState): string {
  const time = new Date(state.now).toISOString()
  const { last, failure } = state
  let text: string
  if (failure !== undefined) {
    text = `${time} ${state.link} ${failure.kind}: ${failure.message}`
  } else if (last !== undefined) {
    const { health, stats, routing, discovery } = last
    const { bandwidth } = stats
    const fields = [
      `${time} up status=${health.status}`,
      ...(health.reasons.length > 0
        ? [`reasons=${health.reasons.map((reason) => reason.code).join(',')}`]
        : []),
      `peers=${stats.peers}`,
      `conns=${stats.connections}`,
      `in=${formatBytes(bandwidth.in_rate_bps).replace(' ', '')}/s`,
      `out=${formatBytes(bandwidth.out_rate_bps).replace(' ', '')}/s`,
      `routing=${routing.routing_table_size}`,
      `reach=${health.reachability}`,
      `relay=${health.relay_stats.enabled ? 'on' : 'off'}`,
      ...(discovery !== undefined
        ? [
            `bootstrap=${discovery.bootstrap_successes}/${discovery.bootstrap_attempts}`,
            `mdns=${discovery.mdns_found}/${discovery.mdns_connected}/${discovery.mdns_failed}`,
          ]
        : []),
    ]
    text = fields.join(' ')
  } else {
    text = `${time} ${state.link}`
  }
  // a first failure's event says what the line already says
  const { event } = state
  return event !== undefined && event.kind !== 'failing' ? `${text} | ${event.text}` : text
}
