/** A small bar chart of a history in block characters, `rows` lines high, pure. */

/** Eighths of a cell, from empty to full. */
const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']

/** Drawn for a point where the node did not answer. */
export const GAP = '·'

/**
 * The last `width` values as columns of bars scaled to `max` (the largest value shown when
 * absent), top row first: zero is a baseline (`▁`), any traffic at least `▂`, and `null` a gap
 * drawn {@link GAP} on the bottom row. Fewer values than `width` leave the left empty, so the
 * newest value is always at the right edge.
 *
 * @example
 * chartRows([0, 4, 8], 4, 1) // [' ▁▄█']
 */
export function chartRows(
  values: ReadonlyArray<number | null>,
  width: number,
  rows: number,
  max?: number,
): string[] {
  const columns = Math.max(0, Math.floor(width))
  const height = Math.max(1, Math.floor(rows))
  const shown = values.slice(Math.max(0, values.length - columns))
  const top = max ?? Math.max(0, ...shown.map((value) => value ?? 0))
  const cells = height * 8
  const lines: string[] = Array.from({ length: height }, () => ' '.repeat(columns - shown.length))
  for (const value of shown) {
    // nothing is one eighth (a baseline), any traffic at least two, so that they differ
    const eighths =
      value === null
        ? 0
        : top <= 0 || value <= 0
          ? 1
          : Math.max(2, Math.min(cells, Math.round((value / top) * cells)))
    for (let row = 0; row < height; row++) {
      const fromBottom = height - 1 - row
      const filled = Math.max(0, Math.min(8, eighths - fromBottom * 8))
      const cell = value === null ? (fromBottom === 0 ? GAP : ' ') : (BLOCKS[filled] as string)
      lines[row] += cell
    }
  }
  return lines
}
