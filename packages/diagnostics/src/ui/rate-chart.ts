/**
 * A live chart of rates (bytes/s), one point per poll, a few minutes kept in the page (the node
 * keeps no history). A series appears the first time its name is pushed, so a protocol the node
 * starts serving later gets its line then. uPlot draws on a canvas and styles its elements
 * through the CSSOM, which the page's Content-Security-Policy allows.
 */
import uPlot from 'uplot'
import { formatRate } from './format.js'

export interface RateChart {
  /** Adds one reading per series (Unix seconds) and drops readings older than the window. */
  push(atSeconds: number, rates: Readonly<Record<string, number>>): void
  /** Fits the chart to its container's width. */
  resize(): void
}

export interface RateChartInit {
  /** Readings older than this are dropped. */
  windowSeconds: number
  /** Colours of the series known in advance, by name; others take the palette's in turn. */
  colors?: Readonly<Record<string, string>>
  /** Fill the area under each line (for a few series; many filled areas hide each other). */
  fill?: boolean
  /** @default 220 */
  heightPx?: number
}

const PALETTE = [
  '#2563eb',
  '#d97706',
  '#059669',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#475569',
]
const MIN_SPAN_SECONDS = 60

/** `#2563eb` -> `rgba(37, 99, 235, 0.12)`. */
function translucent(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16))
  return `rgba(${r}, ${g}, ${b}, 0.12)`
}

/** A chart in `container`; it publishes what it shows as `data-samples`, `data-latest` (JSON). */
export function createRateChart(container: HTMLElement, init: RateChartInit): RateChart {
  const { windowSeconds, colors = {}, fill = false, heightPx = 220 } = init
  const times: number[] = []
  const names: string[] = []
  const columns: Array<Array<number | null>> = []
  const width = (): number => Math.max(320, container.clientWidth)
  const rateValue = (_u: uPlot, value: number | null): string =>
    value === null ? '-' : formatRate(value)

  const plot = new uPlot(
    {
      width: width(),
      height: heightPx,
      cursor: { drag: { x: false, y: false } },
      // the series' names and colours only: values show in the cards and tables
      legend: { live: false },
      scales: {
        x: {
          time: true,
          // at least a minute wide, so the first readings do not stretch across the chart
          range: (_u, min, max) =>
            Number.isFinite(max) ? [Math.min(min, max - MIN_SPAN_SECONDS), max] : [min, max],
        },
        y: { range: (_u, _min, max) => [0, Math.max(1024, (max ?? 0) * 1.1)] },
      },
      series: [{}],
      axes: [
        { stroke: '#64748b', grid: { stroke: '#e2e8f0' } },
        {
          stroke: '#64748b',
          grid: { stroke: '#e2e8f0' },
          size: 86,
          values: (_u, splits) => splits.map((split) => formatRate(split)),
        },
      ],
    },
    [times],
    container,
  )

  function addSeries(name: string): void {
    const stroke = colors[name] ?? (PALETTE[names.length % PALETTE.length] as string)
    names.push(name)
    columns.push(times.map(() => null))
    plot.addSeries(
      {
        label: name,
        stroke,
        width: 2,
        value: rateValue,
        ...(fill ? { fill: translucent(stroke) } : {}),
      },
      names.length,
    )
  }

  return {
    push(atSeconds, rates) {
      for (const name of Object.keys(rates)) if (!names.includes(name)) addSeries(name)
      times.push(atSeconds)
      names.forEach((name, index) => columns[index]?.push(rates[name] ?? null))
      while (times.length > 0 && (times[0] as number) < atSeconds - windowSeconds) {
        times.shift()
        for (const column of columns) column.shift()
      }
      plot.setData([times, ...columns] as uPlot.AlignedData)
      container.dataset.samples = String(times.length)
      container.dataset.latest = JSON.stringify(rates)
    },
    resize() {
      plot.setSize({ width: width(), height: heightPx })
    },
  }
}
