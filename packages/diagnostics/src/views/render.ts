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
