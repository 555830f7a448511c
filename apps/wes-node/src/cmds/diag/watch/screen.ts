/**
 * What the terminal view shows, pure: the model laid out as lines of toned segments for a
 * terminal of `width` x `height`, each line cut to the width, sections shrunk to fit the height.
 * The ink component only paints these lines.
 */
import { formatAge, formatBytes } from '@wes/diagnostics/client'
import type { HealthResponse } from '@wes/diagnostics/client'
import { chartRows } from './chart.js'
import { discoveryRates } from './model.js'
import type { WatchEvent, WatchState } from './model.js'

/** How a segment is painted: the component maps tones to colours, or to nothing without them. */
export type Tone = 'title' | 'ok' | 'warn' | 'bad' | 'dim'

export interface Segment {
  text: string
  tone?: Tone
}

export type ScreenLine = Segment[]

export interface ScreenSize {
  width: number
  height: number
}

/** The fewest and most rows of each of the two charts. */
const CHART_ROWS = { min: 1, max: 6 } as const

/** Lines the failure message may take before it is cut. */
const FAILURE_LINES = 3

function seg(text: string, tone?: Tone): Segment {
  return tone === undefined ? { text } : { text, tone }
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19)
}

/** The line cut to `width` characters, the last one `…` when something was cut. */
export function fitLine(line: ScreenLine, width: number): ScreenLine {
  const out: ScreenLine = []
  let room = Math.max(0, width)
  for (const segment of line) {
    if (room === 0) break
    if (segment.text.length <= room) {
      out.push(segment)
      room -= segment.text.length
      continue
    }
    const cut = room > 1 ? `${segment.text.slice(0, room - 1)}…` : '…'
    out.push({ ...segment, text: cut })
    room = 0
  }
  // a cut after a segment that fit exactly: mark the last character
  const shown = out.reduce((sum, segment) => sum + segment.text.length, 0)
  const total = line.reduce((sum, segment) => sum + segment.text.length, 0)
  if (total > shown && out.length > 0 && !(out.at(-1) as Segment).text.endsWith('…')) {
    const last = out.at(-1) as Segment
    out[out.length - 1] = { ...last, text: `${last.text.slice(0, -1)}…` }
  }
  return out
}

/** `text` broken at spaces into at most `maxLines` lines of `width`, the last one cut. */
export function wrapText(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = []
  let rest = text.trim()
  while (rest !== '' && lines.length < maxLines) {
    if (rest.length <= width || lines.length === maxLines - 1) {
      lines.push(rest)
      break
    }
    const space = rest.lastIndexOf(' ', width)
    const end = space > 0 ? space : width
    lines.push(rest.slice(0, end))
    rest = rest.slice(end).trim()
  }
  return lines
}

const STATUS_TONE: Record<HealthResponse['status'], Tone> = {
  ok: 'ok',
  degraded: 'warn',
  down: 'bad',
}

const SEVERITY_MARK = { down: ['✕', 'bad'], degraded: ['!', 'warn'], info: ['i', 'dim'] } as const

/** The title at the left, the time and the way out at the right; the title gives way first. */
function header(state: WatchState, width: number): ScreenLine {
  const right = `${clock(state.now)}  q quits`
  const every = `every ${state.intervalMs / 1_000} s`
  const left =
    [`wes-node diag watch  ${state.addr}  ${every}`, `${state.addr}  ${every}`, state.addr].find(
      (title) => title.length + 2 + right.length <= width,
    ) ?? state.addr
  const gap = Math.max(2, width - left.length - right.length)
  return [seg(left, 'title'), seg(' '.repeat(gap)), seg(right, 'dim')]
}

/** The node's link: up with its ID and age, or why it does not answer (wrapped, it matters). */
function linkLines(state: WatchState, width: number): ScreenLine[] {
  const { failure, last } = state
  if (failure === undefined) {
    if (last === undefined) return [[seg(`… asking ${state.addr}`, 'dim')]]
    const started = last.health.started_at
    const age =
      started === null ? '' : `  started ${formatAge(state.now - Date.parse(started))} ago`
    return [[seg('● up', 'ok'), seg(`  ${last.health.host_id}${age}`)]]
  }
  const title =
    failure.kind === 'unauthorized'
      ? '✕ TOKEN REFUSED'
      : state.link === 'down'
        ? failure.kind === 'not_ready'
          ? '✕ NODE NOT READY'
          : '✕ NODE AWAY'
        : '✕ NO ANSWER YET'
  const since = `since ${clock(failure.since)} (${formatAge(state.now - failure.since)})`
  const kept = last !== undefined ? `; last answer at ${clock(last.at)} shown dimmed` : ''
  const first: ScreenLine = [seg(title, 'bad'), seg(`  ${since}${kept}`)]
  const message = wrapText(failure.message, Math.max(10, width - 2), FAILURE_LINES)
  return [first, ...message.map((text) => [seg(`  ${text}`, 'bad')])]
}

function reasonLines(health: HealthResponse, max: number, faded: boolean): ScreenLine[] {
  const lines: ScreenLine[] = []
  const shown = health.reasons.length > max ? Math.max(0, max - 1) : health.reasons.length
  for (const reason of health.reasons.slice(0, shown)) {
    const [mark, tone] = SEVERITY_MARK[reason.severity]
    lines.push([seg(`  ${mark} ${reason.code}`, faded ? 'dim' : tone), seg(`  ${reason.message}`)])
  }
  const hidden = health.reasons.length - shown
  if (hidden > 0) {
    lines.push([seg(`  … ${hidden} more: wes-node diag health`, 'dim')])
  }
  return lines
}

/** `1 dial`, `3 dials`. */
function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`
}

function rate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

function perMinute(value: number | undefined): string {
  return value === undefined ? '-/min' : `${value.toFixed(1)}/min`
}

function eventLine(event: WatchEvent): ScreenLine {
  const tone: Tone = event.kind === 'back' ? 'ok' : 'bad'
  return [seg(`  ${clock(event.at)}  `, 'dim'), seg(event.text, tone)]
}

/**
 * The screen for the latest state: at most `height` lines, each at most `width` characters.
 * While the node is away, its last answer stays on screen, dimmed.
 */
export function watchScreen(state: WatchState, { width, height }: ScreenSize): ScreenLine[] {
  const lines: ScreenLine[] = [header(state, width), ...linkLines(state, width)]
  const { last } = state
  const faded = state.failure !== undefined
  const plain = (tone?: Tone): Tone | undefined => (faded ? 'dim' : tone)
  const eventsWanted = state.events.length === 0 ? 0 : 1 + Math.min(state.events.length, 3)

  if (last !== undefined) {
    const { health, stats, routing, discovery } = last
    // fixed lines below the link: health, peers, reachability, blank, 2 chart titles, blank,
    // 2 discovery lines
    const fixed = lines.length + 9
    const spare = Math.max(0, height - fixed - eventsWanted)
    const maxReasons = Math.max(1, Math.min(health.reasons.length, Math.floor(spare / 3) || 1))
    const reasons = reasonLines(health, maxReasons, faded)
    const rowsPerChart = Math.max(
      CHART_ROWS.min,
      Math.min(CHART_ROWS.max, Math.floor((spare - reasons.length) / 2)),
    )

    lines.push([
      seg('Health  ', plain('title')),
      seg(health.status, plain(STATUS_TONE[health.status])),
      seg(
        health.reasons.length === 0
          ? '  nothing wrong'
          : `  ${count(health.reasons.length, 'reason')}`,
        'dim',
      ),
    ])
    lines.push(...reasons)
    lines.push([
      seg(
        `Peers ${stats.peers}   Connections ${stats.connections}   Routing table ${routing.routing_table_size} (${routing.mode}, ${routing.current_mode} now)`,
        plain(),
      ),
    ])
    const relay = health.relay_stats.enabled
      ? `on, ${count(health.relay_stats.reservations, 'reservation')}${health.relay_stats.server ? ', serving' : ''}`
      : 'off'
    lines.push([
      seg(
        `Reachability ${health.reachability}   AutoNAT ${health.autoNAT_status}   Relay ${relay}`,
        plain(),
      ),
    ])
    lines.push([])

    const chartWidth = Math.max(1, width - 2)
    const window = state.history.slice(-chartWidth)
    for (const [label, key, total] of [
      ['In ', 'inBytesPerSecond', stats.bandwidth.in_total_bytes],
      ['Out', 'outBytesPerSecond', stats.bandwidth.out_total_bytes],
    ] as const) {
      const values = window.map((point) => point[key])
      const now = values.at(-1) ?? null
      const peak = Math.max(0, ...values.map((value) => value ?? 0))
      const span = formatAge((window.length - 1) * state.intervalMs)
      lines.push([
        seg(`${label}  `, plain('title')),
        seg(now === null ? '-' : rate(now), plain()),
        seg(`   total ${formatBytes(total)}   peak ${rate(peak)} in the last ${span}`, 'dim'),
      ])
      for (const row of chartRows(values, chartWidth, rowsPerChart)) {
        lines.push([seg(`  ${row}`, plain('ok'))])
      }
    }
    lines.push([])

    const rates = discoveryRates(state.history)
    if (discovery === undefined) {
      lines.push([
        seg('Discovery  ', plain('title')),
        seg('- (this node has no discovery counts in its stats)', 'dim'),
      ])
    } else {
      lines.push([
        seg('Bootstrap  ', plain('title')),
        seg(
          `${count(discovery.bootstrap_attempts, 'dial')} (${perMinute(rates?.bootstrap_attempts)})   ${discovery.bootstrap_successes} connected (${perMinute(rates?.bootstrap_successes)})`,
          plain(),
        ),
      ])
      lines.push([
        seg('mDNS       ', plain('title')),
        seg(
          `${discovery.mdns_found} found (${perMinute(rates?.mdns_found)})   ${discovery.mdns_connected} connected   ${discovery.mdns_failed} failed (${perMinute(rates?.mdns_failed)})`,
          plain(),
        ),
      ])
    }
  }

  if (state.events.length > 0) {
    const room = Math.max(1, height - lines.length - 1)
    lines.push([seg('Events', 'title')])
    lines.push(...state.events.slice(-room).map(eventLine))
  }
  return lines.slice(0, Math.max(1, height)).map((line) => fitLine(line, width))
}
