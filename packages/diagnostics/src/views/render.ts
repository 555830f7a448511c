/** Readable tables for the views: two aligned columns, units spelled out. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** `1536` -> `1.5 KiB`; whole bytes exactly below 1 KiB, fractions (rates) to one decimal. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes)
  let value = bytes
  let unit = 0
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  if (unit === 0) return `${Number.isInteger(value) ? value : value.toFixed(1)} B`
  return `${value.toFixed(1)} ${UNITS[unit]}`
}

/** Keys ending in `_bytes` read as sizes, `_bps` as rates; arrays as comma lists. */
function formatValue(key: string, value: unknown): string {
  if (typeof value === 'number') {
    if (key.endsWith('_bytes')) return `${formatBytes(value)} (${value})`
    if (key.endsWith('_bps')) return `${formatBytes(value)}/s`
  }
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ')
  if (value === null || value === undefined) return '-'
  return String(value)
}

/** Flattens nested objects into `parent.child` rows, in key order; an empty one reads `(none)`. */
export function flatten(body: object, prefix = ''): Array<[string, string]> {
  const rows: Array<[string, string]> = []
  for (const [key, value] of Object.entries(body)) {
    const name = prefix === '' ? key : `${prefix}.${key}`
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const nested = flatten(value as object, name)
      rows.push(...(nested.length === 0 ? [[name, '(none)'] as [string, string]] : nested))
    } else {
      rows.push([name, formatValue(key, value)])
    }
  }
  return rows
}

/** Two columns, the first padded to its widest cell. */
export function renderTable(rows: Array<[string, string]>): string {
  const width = Math.max(0, ...rows.map(([key]) => key.length))
  return rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n')
}

/** The table of a view with no layout of its own: every key, nested ones dotted. */
export function renderRows(body: object): string {
  return renderTable(flatten(body))
}

/** The table of `rest`, then `name` and one item per indented line (`(none)` for none). */
export function renderWithList(rest: object, name: string, items: readonly unknown[]): string {
  const list = items.map((item) => `  ${String(item)}`)
  return [renderTable(flatten(rest)), name, ...(list.length === 0 ? ['  (none)'] : list)].join('\n')
}

/** `65_000` -> `1m05s`: seconds under a minute, then minutes, hours and days; `-` for none. */
export function formatAge(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return '-'
  const seconds = Math.floor(ms / 1000)
  if (seconds < 60) return `${seconds}s`
  const [m, s] = [Math.floor(seconds / 60), seconds % 60]
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`
  const [h, mm] = [Math.floor(m / 60), m % 60]
  if (h < 24) return `${h}h${String(mm).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`
}

/** Text a peer chose (an agent, a protocol) made safe for a terminal: no control characters. */
export function printable(text: string, maxLength = 64): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
  return clean.length > maxLength ? `${clean.slice(0, maxLength - 1)}…` : clean
}

/** Columns under a header row, each padded to its widest cell; the last column is not padded. */
export function renderColumns(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  )
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** `showing 1-3 of 3` (or `none of 0`, or `none of 12 past offset 20`) for a page of a list. */
export function pageLine(
  name: string,
  page: { total: number; offset: number; count: number },
): string {
  const { total, offset, count } = page
  if (count === 0) {
    return total === 0 ? `${name}: none` : `${name}: none of ${total} past offset ${offset}`
  }
  const more = offset + count < total ? ` (--offset ${offset + count} for more)` : ''
  return `${name}: ${offset + 1}-${offset + count} of ${total}${more}`
}
